def main(storage):
    logging.info(f"QuickBooks disconnected for company {company_id}; nothing to unregister")
    return {}
