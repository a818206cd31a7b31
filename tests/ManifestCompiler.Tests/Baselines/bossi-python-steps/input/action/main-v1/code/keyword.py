def main(*, storage):
    return {"ok": True}
