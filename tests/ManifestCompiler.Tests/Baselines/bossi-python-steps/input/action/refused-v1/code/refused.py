# Class 2: builtins and attributes the sandbox refuses.
def main(storage):
    text = open("/etc/passwd").read()
    value = eval("1 + 1")
    cls = ().__class__
    subclasses = getattr(cls, "__subclasses__")
    return {"text": text, "value": value, "n": len(subclasses())}
