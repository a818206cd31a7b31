def main(storage):
    response = http.request(
        "GET",
        variables["url"] + "/ProfitAndLoss",
        headers={"Authorization": "Bearer " + get_token(), "Accept": "application/json"},
    )
    if response.status != 200:
        return {"error": f"QuickBooks answered {response.status}"}
    return json.loads(response.data.decode("utf-8"))
