def helper(storage):
    def main(a, b):
        return "inner"
    return main(storage, 1)


class Step:
    def main(self, storage):
        return 1


def main(storage):
    if storage:
        return None
    elif storage is None:
        return [1, 2]
    else:
        return {"nested": helper(storage)}
