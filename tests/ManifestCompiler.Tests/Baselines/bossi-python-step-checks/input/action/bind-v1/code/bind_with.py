def main(storage):
    with storage as logging:
        logging.nope()
    with storage as (uuid, datetime), storage as b64:
        uuid.nope(datetime.nope, b64(1, 2))
    return {"j": json.nope}
