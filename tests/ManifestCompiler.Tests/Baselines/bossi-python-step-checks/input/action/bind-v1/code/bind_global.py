def main(storage):
    global http
    http = storage

    def inner():
        nonlocal storage
        del storage
    return {"h": http.nope, "j": json.nope}
