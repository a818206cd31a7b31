def main(storage):
    return {}


x = variables