def main(storage):
    if storage == logging:
        pass
    storage.update(http=1)
    storage[json] = 2
    return {"l": logging.nope, "h": http.nope, "j": json.nope}
