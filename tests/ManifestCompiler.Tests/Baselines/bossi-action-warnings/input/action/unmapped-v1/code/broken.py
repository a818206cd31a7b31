def main(storage):
    items = [1, 2
    return {"items": items}
