def main(storage: dict[str, int] = {"a": 1, "b": 2}, *args, key=(1, 2), **kwargs):
    return {}
