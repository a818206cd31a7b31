def main(storage):
    return [1, 2