def main(storage):
    query = "select * from Invoice startposition 1 maxresults 1000"
    response = http.request(
        "GET",
        f"{variables['apiUrl']}/query?query={urlparse.quote(query)}",
        headers={"Authorization": f"Bearer {get_token()}", "Accept": "application/json"},
    )
    if response.status == 429:
        schedule_task(int(response.headers.get("Retry-After", 30)), retries=3)
        return {"error": "rate limited"}
    if response.status != 200:
        return {"error": f"QuickBooks answered {response.status}"}
    invoices = json.loads(response.data.decode("utf-8")).get("QueryResponse", {}).get("Invoice", [])
    for invoice in invoices:
        try:
            logging.info(f"[QB] Sending Invoice → {invoice.get('Id')}")
            send_to_trigger("invoices-post-v1", {"body": {"Invoice": invoice}})
        except Exception as ex:
            logging.error(f"[QB] could not queue invoice {invoice.get('Id')}: {ex}")
    return {"queued": len(invoices)}
