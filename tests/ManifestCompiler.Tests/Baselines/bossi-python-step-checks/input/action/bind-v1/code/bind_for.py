def main(storage):
    for i, (http, json) in enumerate(storage):
        http.get(json.nope)
    return {"n": [urlparse for urlparse in storage if urlparse.nope], "l": logging.nope}
