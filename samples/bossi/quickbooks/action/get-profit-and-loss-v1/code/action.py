def main(storage):
    token = get_token()
    response = http.request(
        "GET",
        variables["url"] + "/ProfitAndLoss",
        headers={"Authorization": "Bearer " + token["access_token"], "Accept": "application/json"},
    )
    report = json.loads(response.data)
    send_to_parser(report)
    return report
