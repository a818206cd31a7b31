def main(storage, extra):
    return {}
