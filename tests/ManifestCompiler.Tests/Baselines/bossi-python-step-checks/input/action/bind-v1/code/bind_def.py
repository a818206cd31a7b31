def get_token(a):
    return a


class schedule_task:
    pass


def helper(first, second=(http, json), *, logging, **datetime):
    return logging.nope + datetime.nope


def main(storage):
    return {"t": get_token(1), "s": schedule_task(1, 2, 3), "h": http.nope, "j": json.nope}
