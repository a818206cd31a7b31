def main(storage, /, extra):
    return storage
