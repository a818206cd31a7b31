async def main(storage):
    return {}
