def main(storage):
    y = json; http = storage
    x = 1
    return {"h": http.nope, "j": json.nope, "x": x, "y": y}
