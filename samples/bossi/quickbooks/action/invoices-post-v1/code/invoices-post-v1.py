def main(storage):
    invoice = payload["body"]["Invoice"]
    logging.debug(f"mapping invoice {invoice.get('Id')}")
    return invoice
