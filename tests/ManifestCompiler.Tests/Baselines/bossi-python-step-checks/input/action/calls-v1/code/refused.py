class Wrapper:
    def __repr__(self):
        return "w"


def main(storage):
    a = storage.f_globals
    b = __builtins__
    c = _mc_attr
    d = __name__
    e = setattr(storage, "__dict__", 1)
    f = hasattr(storage, "gi_frame")
    g = getattr(storage, "name")
    h = getattr(storage)
    i = getattr(storage, "__cl" "ass__")
    j = delattr(storage, "f_back")
    k = getattr
    m = storage.__init__
    f_code = storage
    m = f_code
    return {"r": repr(Wrapper()), "all": [a, b, c, d, e, f, g, h, i, j, k, m]}
