def main(storage):
    logging.info("removing webhooks for %s", company_id)
    return {}
