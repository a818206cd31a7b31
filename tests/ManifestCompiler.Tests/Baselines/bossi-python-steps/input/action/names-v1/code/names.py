# Class 1: names that nothing defines (the example, less its http.get).
def helper(value):
    return value


def main(storage):
    ticket = paylod["body"]["ticket"]
    send_to_parsr("keys-v1", [ticket])
    x = undefined_helper(ticket)
    total = sum(len(t) for t in [ticket]) + len(storage)
    return {"id": helper(ticket).get("id"), "total": total, "x": x, "rows": [r for r in rowz]}
