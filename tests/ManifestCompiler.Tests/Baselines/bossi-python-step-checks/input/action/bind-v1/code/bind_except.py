def main(storage):
    try:
        pass
    except ValueError as http:
        http.get()
    return {"j": json.nope}
