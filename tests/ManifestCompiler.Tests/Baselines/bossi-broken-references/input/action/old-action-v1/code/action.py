def run(storage, extra):
    return {}
