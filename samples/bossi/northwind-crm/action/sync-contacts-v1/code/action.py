def main(storage):
    page = payload.get("page", 1)
    response = http.request(
        "GET",
        f"{variables['contactsUrl']}?page={page}",
        headers={"Authorization": f"Bearer {integration_variables['apiKey']}"},
    )
    if response.status == 429:
        retry_after = int(response.headers.get("Retry-After", 60))
        schedule_task(retry_after, retries=3)
        return {"error": f"Rate limited. Retry in {retry_after}s"}
    if response.status != 200:
        return {"error": f"API error: {response.status}"}
    data = json.loads(response.data.decode("utf-8"))
    contacts = data.get("items", [])
    logging.info(f"fetched {len(contacts)} contacts on page {page}")
    if contacts:
        send_to_parser("sync-contacts-v1", contacts)
    if data.get("has_more"):
        send_to_trigger("sync-contacts-v1", {"page": page + 1})
    return {"synced": len(contacts)}
