import requests
from os import path

def main(storage):
    send_to_trigger("sync-contact-v1", {"page": 2})
    send_to_parser("cleanup-v1", [])
    dispatch_command("notify-v1", {}, {})
    return {}
