send_to_trigger: object = None
logging: object


def main(storage):
    send_to_trigger("nope-v1", 1, 2)
    return {"l": logging.nope, "j": json.nope}
