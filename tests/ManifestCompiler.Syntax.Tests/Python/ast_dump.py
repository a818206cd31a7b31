"""Reads a JSON list of expressions on stdin; writes, for each, CPython's parse as the canonical
s-expression that PythonAstComparisonTests builds from our syntax tree (or null on SyntaxError)."""
import ast
import json
import sys

OPS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.MatMult: "@", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
    ast.USub: "neg", ast.UAdd: "pos", ast.Not: "not", ast.Invert: "inv",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or",
}


def dump(node):
    if node is None:
        return "_"
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None:
            return f"(const {value!r})"
        if isinstance(value, int):
            return f"(int {value})"
        if isinstance(value, float):
            return f"(float {value!r})"
        if isinstance(value, str):
            return f"(str {json.dumps(value)})"
        raise ValueError(type(value))
    if isinstance(node, ast.JoinedStr):
        return "(fstr " + " ".join(dump_fpart(p) for p in node.values) + ")"
    if isinstance(node, ast.Name):
        return f"(name {node.id})"
    if isinstance(node, ast.List):
        return "(list " + " ".join(map(dump, node.elts)) + ")"
    if isinstance(node, ast.Tuple):
        return "(tuple " + " ".join(map(dump, node.elts)) + ")"
    if isinstance(node, ast.Set):
        return "(set " + " ".join(map(dump, node.elts)) + ")"
    if isinstance(node, ast.Dict):
        return "(dict " + " ".join(f"{dump(k)}:{dump(v)}" for k, v in zip(node.keys, node.values)) + ")"
    if isinstance(node, ast.UnaryOp):
        return f"({OPS[type(node.op)]} {dump(node.operand)})"
    if isinstance(node, ast.BinOp):
        return f"({OPS[type(node.op)]} {dump(node.left)} {dump(node.right)})"
    if isinstance(node, ast.BoolOp):
        return f"({OPS[type(node.op)]} " + " ".join(map(dump, node.values)) + ")"
    if isinstance(node, ast.Compare):
        return "(cmp " + dump(node.left) + "".join(f" [{OPS[type(o)]}] {dump(c)}" for o, c in zip(node.ops, node.comparators)) + ")"
    if isinstance(node, ast.IfExp):
        return f"(if {dump(node.test)} {dump(node.body)} {dump(node.orelse)})"
    if isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Slice):
            s = node.slice
            return f"(slice {dump(node.value)} {dump(s.lower)} {dump(s.upper)} {dump(s.step)})"
        return f"(sub {dump(node.value)} {dump(node.slice)})"
    if isinstance(node, ast.Attribute):
        return f"(attr {dump(node.value)} {node.attr})"
    if isinstance(node, ast.Call):
        args = [dump(a) for a in node.args] + [f"{k.arg}={dump(k.value)}" for k in node.keywords]
        return f"(call {dump(node.func)}" + "".join(" " + a for a in args) + ")"
    raise ValueError(type(node).__name__)


def dump_fpart(part):
    if isinstance(part, ast.Constant):
        return f"(str {json.dumps(part.value)})"
    conversion = "" if part.conversion == -1 else chr(part.conversion)
    spec = "" if part.format_spec is None else "".join(v.value for v in part.format_spec.values)
    return f"(field {dump(part.value)} {conversion!r} {spec!r})"


out = []
for source in json.load(sys.stdin):
    try:
        out.append(dump(ast.parse(source, mode="eval").body))
    except (SyntaxError, ValueError):
        out.append(None)
json.dump(out, sys.stdout)
