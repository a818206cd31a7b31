def main(storage):
    def inner():
        return 1
    if storage.get("a"):
        return []
    if storage.get("b"):
        return ()
    if storage.get("c"):
        return (1)
    if storage.get("d"):
        return {1, 2}
    if storage.get("e"):
        return {}
    if storage.get("f"):
        return {**storage}
    if storage.get("g"):
        return [1][0]
    if storage.get("h"):
        return 1 + 2
    if storage.get("i"):
        return "a" + "b"
    if storage.get("j"):
        return 1,
    if storage.get("k"):
        return (1, 2)[0]
    if storage.get("l"):
        return (
            1,
            2,
        )
    if storage.get("m"): return 7
    if storage.get("n"):
        return False
    if storage.get("o"):
        return {"a": 1, 2: 3}
    if storage.get("p"):
        return {1: 2}
    if storage.get("q"):
        return {"x"}  # a set display
    if storage.get("r"):
        return "s"[0]
    x = 1; return 'semicolon'
    return inner()


def after(storage):
    return 1
