def run(storage):
    return {"ok": True}
