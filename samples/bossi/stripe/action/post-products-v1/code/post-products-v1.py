def main(storage):
    name = payload.get("name")
    if not name:
        logging.error("[ERROR] Invalid or missing name data")
        return {"error": "Invalid or missing name data"}
    body = urlparse.urlencode({"name": name, "description": payload.get("description", "")})
    response = http.request(
        "POST",
        f"{variables['baseUrl']}/products",
        headers={"Authorization": f"Bearer {integration_variables['apiKey']}", "Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )
    if response.status not in (200, 201):
        logging.error(f"[ERROR] Failed to create product: {response.data.decode('utf-8')}")
        return {"error": f"Failed: {response.status}"}
    created = json.loads(response.data.decode("utf-8"))
    return {"productExternalId": created["id"]}
