from json


def main(storage):
    return {}
