def main(storage):
    return 3