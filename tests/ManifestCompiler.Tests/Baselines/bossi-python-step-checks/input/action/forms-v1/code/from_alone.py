from json
return 1
get_token(x=)
empty = f"{}"
unclosed = f"{logging.inof"


def main(storage):
    return {}
