import   os,   sys
import os; x = 1
from . import sibling
from collections import (OrderedDict,
    defaultdict)
from a_very_long_module_name.with_many.parts.and_more import something_long
from package_name_of_exactly_the_right_len_a import abcdefgh
from package_name_of_exactly_the_right_leng_a import abcdefgh


def main(storage):
    import json
    if storage: import re
    def gen():
        yield from storage
    try:
        pass
    except ValueError as error:
        raise KeyError("k") from error
    return {"gen": gen}
