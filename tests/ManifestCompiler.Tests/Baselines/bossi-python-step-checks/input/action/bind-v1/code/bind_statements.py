import uuid as http
from urllib import json


def main(storage):
    global logging
    del datetime
    return {"h": http.nope, "j": json.nope, "l": logging.nope, "d": datetime.nope, "u": urlparse.nope}
