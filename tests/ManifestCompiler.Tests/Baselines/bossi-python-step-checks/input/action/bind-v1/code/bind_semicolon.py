def main(storage):
    x = 1; http = storage; y = json
    return {"h": http.nope, "j": json.nope, "x": x, "y": y}
