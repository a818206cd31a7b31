def helper(): return 1
def main(storage): return 2


def other(storage):
    def inner(): return 3
    return 4


def main_like(storage):
    return 5
