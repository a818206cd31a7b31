def main(storage):
    def inner(): return 1
    if storage: return {"a": 1}
    return 5
