def main(storage):
    def inner():
        return 1
    "a docstring-like string"; return 8
