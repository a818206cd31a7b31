import os
from json import loads
from os.path import join as j
os_module = __import__("os")
text = "import sys"  # a string and a comment: import nothing


def main(storage):
    return {}
