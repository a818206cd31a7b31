# Clean: names the step binds itself are its own, whatever the sandbox preloads under the same name.
class Client:
    def get(self, url):
        return {"url": url}


def fetch(http, url):
    return http.get(url)


def main(storage):
    variables = {"anything": 1}
    found = [json for json in ("a", "b")]
    with_walrus = (send_to_parser := len)("xyz")
    for logging in range(2):
        pass
    label = f"{variables['anything']}-{found}-{with_walrus}-{logging}"
    return {"label": label, "r": fetch(Client(), "/x"), "first": payload.get("first")}
