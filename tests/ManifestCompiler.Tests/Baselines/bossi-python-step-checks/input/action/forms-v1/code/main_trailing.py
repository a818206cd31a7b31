def main(
    storage,
):
    return {}
