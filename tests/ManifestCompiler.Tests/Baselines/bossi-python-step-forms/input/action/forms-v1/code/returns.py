def main(storage):
    if storage.get("a"):
        return (1, 2)
    if storage.get("b"):
        return 1, 2
    if storage.get("c"):
        return True
    if storage.get("d"):
        return -1
    if storage.get("e"):
        return f"x{storage}"
    if storage.get("f"):
        return "a" "b"
    if storage.get("g"):
        return 2.5; x = 1
    if storage.get("h"):
        return
    return {"ok": storage}
