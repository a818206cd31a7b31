def main(storage):
    resource = payload.get("resource", "customers")
    starting_after = payload.get("starting_after")
    logging.info(f"*-----------STARTING STRIPE SYNC for {resource.upper()}-----------*")
    url = f"{variables['baseUrl']}/{resource}?limit=100"
    if starting_after:
        url += f"&starting_after={starting_after}"
    response = http.request("GET", url, headers={"Authorization": f"Bearer {integration_variables['apiKey']}"})
    if response.status == 429:
        retry_after = int(response.headers.get("Retry-After", 60))
        schedule_task(retry_after, retries=3)
        return {"error": f"Rate limited. Retry in {retry_after}s"}
    if response.status != 200:
        logging.error(f"[ERROR] Stripe answered {response.status}: {response.data.decode('utf-8')}")
        return {"error": f"API error: {response.status}"}
    page = json.loads(response.data.decode("utf-8"))
    customers = page.get("data", [])
    total = payload.get("total", 0) + len(customers)
    logging.info(f"Fetched {len(customers)} customers, total so far: {total}")
    if customers:
        send_to_parser("customers-post-v1", customers)
    if page.get("has_more") and customers:
        send_to_trigger("sync-payments-v1", {"resource": resource, "starting_after": customers[-1]["id"], "total": total})
    else:
        logging.info(f"Total customers fetched: {total}")
    return {"fetched": len(customers), "total": total}
