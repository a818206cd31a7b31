"""Benchmark peer: one long-running CPython evaluating the same condition the C# side does.
Protocol on stdin/stdout, one line each: 'EVAL' -> evaluates once, answers the repr;
'TIME n' -> evaluates n times in-process, answers nanoseconds per evaluation."""
import json
import sys
import time

setup = json.loads(sys.stdin.readline())
code = compile(setup["expr"], "<condition>", "eval")
names = {"body": json.loads(setup["body"]), "headers": setup["headers"], "__builtins__": {}}
for line in sys.stdin:
    command = line.split()
    if command[0] == "EVAL":
        result = eval(code, names)
        sys.stdout.write(repr(result) + "\n")
    elif command[0] == "TIME":
        n = int(command[1])
        start = time.perf_counter_ns()
        for _ in range(n):
            # As the C# side: the body arrives as JSON text already parsed once, then converted per request.
            eval(code, {"body": json.loads(setup["body"]), "headers": setup["headers"], "__builtins__": {}})
        sys.stdout.write(str((time.perf_counter_ns() - start) / n) + "\n")
    sys.stdout.flush()
