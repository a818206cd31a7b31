def main(storage, *, retries=3, **options):
    return {"retries": retries}
