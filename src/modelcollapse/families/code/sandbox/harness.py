"""What runs inside the sandbox: one item, then one JSON line saying what it did.

Reads ``item.json`` from the current folder (the scratch folder):
``{"code": str, "function": str | None, "cases": [str]}``. The code is
executed in a fresh namespace; if ``function`` is given, it is called on
every case (a tuple of arguments written as a Python literal) and the
outcome of each call is reported: ``["value", repr]`` or ``["raised", type]``.
The last line written is ``{"status": "ran" | "error", "reason": str,
"outcomes": [...]}``. The verdict is decided outside, by comparing outcomes
with those of the real function (run by this same harness), so code that
writes a line of its own can claim nothing but its own outcomes.
This file uses only the standard library and is run with ``python -I``.
"""

import ast
import json
import signal
import sys


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _outcome(function, arguments):
    try:
        return ["value", repr(function(*arguments))[:2000]]
    except _Timeout:
        raise
    except BaseException as error:
        return ["raised", type(error).__name__]


def _run(item):
    namespace = {"__name__": "generated"}
    exec(compile(item["code"], "<generated>", "exec"), namespace)
    name = item.get("function")
    if not name:
        return []
    function = namespace.get(name)
    if not callable(function):
        raise NameError(f"the code defines no function {name}")
    return [_outcome(function, ast.literal_eval(case)) for case in item["cases"]]


def main():
    """Run the item in ``item.json`` with the timeout given as the first argument."""
    signal.signal(signal.SIGALRM, _alarm)
    with open("item.json", encoding="utf-8") as handle:
        item = json.load(handle)
    signal.setitimer(signal.ITIMER_REAL, float(sys.argv[1]))
    try:
        result = {"status": "ran", "reason": "", "outcomes": _run(item)}
    except _Timeout:
        result = {"status": "error", "reason": "timed out", "outcomes": None}
    except BaseException as error:
        result = {"status": "error", "reason": f"{type(error).__name__}: {str(error)[:200]}",
                  "outcomes": None}
    signal.setitimer(signal.ITIMER_REAL, 0)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
