def run(storage):
    return {}


main = run
