def main(a, b, c):
    return {}
