# Class 3: the preloaded API's shape.
def main(storage):
    r = http.get(url=variables["baseUrl"] + "/x")
    send_to_parser(storage)
    schedule_task(60, retry=3)
    token = get_token(True)
    response = http.request("POST", variables["baseUrl"], header={"X": "1"}, body=b"")
    logging.inof("sent")
    text = json.dumps(storage, indnt=2)
    send_to_trigger("keys-v1", {}, {}, {})
    return {"status": response.status, "text": text, "token": token, "r": r}
