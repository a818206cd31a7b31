def main(storage={"a": (1, 2)}, retries=3):
    return {"ok": True}
