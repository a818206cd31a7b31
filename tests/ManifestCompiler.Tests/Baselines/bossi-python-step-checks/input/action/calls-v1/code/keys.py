def main(storage):
    v1 = variables["baseUrl"]["x"]
    v2 = variables.get("nope", 1)
    v3 = variables.get(storage)
    v4 = variables["a" + "b"]
    v5 = integration_variables.get("apiKey")
    v6 = variables .get ("nope2")
    v7 = variables.get("nope3" "x")
    v8 = variables["region"]
    v9 = variables.get("regio")
    return {"all": [v1, v2, v3, v4, v5, v6, v7, v8, v9]}
