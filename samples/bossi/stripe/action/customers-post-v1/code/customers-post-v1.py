def main(storage):
    customer_id = payload.get("body", {}).get("customer_id")
    if customer_id is None:
        return payload
    response = http.request(
        "GET",
        f"{variables['baseUrl']}/customers/{customer_id}",
        headers={"Authorization": f"Bearer {integration_variables['apiKey']}"},
    )
    return json.loads(response.data.decode("utf-8"))
