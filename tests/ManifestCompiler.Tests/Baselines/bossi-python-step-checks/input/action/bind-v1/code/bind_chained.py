a = modify_tokens = None
storage_copy = dict(variables=1)
storage_copy.b64 = 1
storage_copy[http] = 1


def main(storage):
    modify_tokens(1, 2, 3)
    return {"b": b64(1, 2), "v": variables["nope"], "h": http.nope, "a": a}
