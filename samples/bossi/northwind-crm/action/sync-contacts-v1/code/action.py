def main(storage):
    base_url = variables["baseUrl"]
    token = get_token()
    response = http.request(
        "GET",
        base_url + "/contacts",
        headers={"Authorization": "Bearer " + token["apiKey"]},
    )
    contacts = json.loads(response.data)["items"]
    logging.info("fetched %d contacts", len(contacts))
    for contact in contacts:
        send_to_parser(contact)
    return {"count": len(contacts)}
