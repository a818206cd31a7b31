def main(storage):
    match storage:
        case [integration_variables, *http]:
            return {"i": integration_variables["zz"], "h": http.nope}
        case {"k": json}:
            return {"j": json.nope}
    return {"l": logging.nope}
