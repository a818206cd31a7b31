def main(storage):
    f1 = f"{logging.inof}"
    f2 = F'{variables["nope4"]!r:>{storage}}'
    f3 = rf"{{literal}} {variables['nope5']=}"
    f4 = f"""{variables["nope6"]:{variables["nope7"]}}"""
    f5 = f"{storage == 1}"
    f6 = f"{f'{logging.inof2}'}"
    f7 = f"{storage!s}"
    f8 = f"{storage['a:b'] + logging.inof3}"
    f9 = f"{storage != logging.inof4}"
    f10 = f"{ {'a': logging.inof5}['a'] }"
    f11 = f"{storage:{'>'}{10}} {logging.inof6}"
    f12 = "{logging.inof7}"
    f13 = b"{logging.inof8}"
    f14 = f"{storage}" f"{logging.inof9}"
    f15 = f"{storage = }"
    return {"all": [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15]}
