# Class 5: main's signature and return.
def helper(x):
    return 42


def main(storage, options):
    if storage:
        return "done"
    return 42
