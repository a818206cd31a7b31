def main(storage):
    intent = storage["intent"]
    return {
        "id": intent["id"],
        "amount": intent["amount"] / 100,
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "status": intent["status"],
        "label": payload.get("label"),
    }
