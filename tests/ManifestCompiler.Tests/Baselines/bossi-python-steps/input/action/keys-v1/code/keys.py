# Class 4: keys of the integration's dictionaries.
def main(storage):
    base = variables["baseUrll"]
    optional = variables.get("region")
    key = integration_variables["apiKy"]
    cursor = integration_variables.get("cursor")
    since = integration_variables.get("since")
    tokens = dict(integration_variables)
    tokens["cursor"] = "next"
    modify_tokens(tokens)
    return {"url": f"{base}/{variables['basUrl']}?c={cursor}&s={since}", "key": key, "o": optional}
