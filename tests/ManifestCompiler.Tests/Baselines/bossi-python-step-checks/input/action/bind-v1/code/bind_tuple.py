create_cron_job, dispatch_command = None, None
[json, *logging] = [None]


def main(storage):
    create_cron_job()
    dispatch_command("x", 1, 2, 3)
    return {"j": json.nope, "l": logging.nope, "h": http.nope}
