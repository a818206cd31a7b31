def main(*args, **kwargs):
    return {"args": list(args)}
