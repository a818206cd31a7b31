def main(storage):
    return {}
