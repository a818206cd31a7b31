def main(**storage):
    return {}
