def main(storage):
    f = lambda urlparse, *b64, key=json, **uuid: urlparse.nope + b64(1, 2) + uuid.nope
    return {"f": f, "j": json.nope}
