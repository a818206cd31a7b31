def main(storage):
    text = f"{(http := storage)} {json == 1}"
    return {"h": http.nope, "j": json.nope, "t": text}
