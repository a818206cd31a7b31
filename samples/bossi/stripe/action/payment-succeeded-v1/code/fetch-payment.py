def main(storage):
    response = http.request(
        "GET",
        f"{variables['baseUrl']}/payment_intents/{payload['payment_intent']}",
        headers={"Authorization": f"Bearer {integration_variables['apiKey']}"},
    )
    if response.status != 200:
        return {"error": f"Stripe answered {response.status}"}
    storage["intent"] = json.loads(response.data.decode("utf-8"))
    return {"fetched": True}
