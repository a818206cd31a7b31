def main(storage):
    def inner(): return 1
    async def ainner(): return 6
    if storage: return {"a": 1}
    return 5
