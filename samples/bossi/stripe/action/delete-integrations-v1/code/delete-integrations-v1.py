def main(storage):
    logging.info(f"Stripe disconnected for company {company_id}; remove the webhook endpoint {webhook_url} in Stripe")
    return {}
