"""Submissions that compute nothing, made from an assignment's stub: constants, or the public fixtures'
answers looked up by their inputs (the fixtures ship with the stub and are readable in the sandbox)."""

import ast
import re

from grader.checking.catalog import get_assignment

CONSTANTS = {"None": "None", "zero": "0.0", "zeros": "_np.zeros_like(_last_array(locals()))"}
_HELPERS = '''
import numpy as _np


def _last_array(names):
    arrays = [v for v in names.values() if isinstance(v, _np.ndarray)]
    return arrays[-1] if arrays else 0.0
'''

_REPLAY = '''
import numpy as _np
from grader.checking.catalog import get_assignment as _get

_FIXTURES = _get({name!r}).fixtures()


def _arrays(value):
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return [value] if isinstance(value, _np.ndarray) else []


def _replay(function, args):
    """The fixtures' answer for the case whose inputs are ``args``, in a check named after ``function``."""
    given = [a for a in args if isinstance(a, _np.ndarray)]
    for key, value in _FIXTURES.items():
        check, _, label = key.partition("/")
        if not check.startswith(function) or label.startswith("expect/"):
            continue
        if any(a.shape == b.shape and _np.array_equal(a, b) for a in given for b in _arrays(value)):
            answer = _FIXTURES.get(f"{{check}}/expect/{{label}}")
            if answer is not None:
                return answer
    return None
'''


def constant_submission(name, constant):
    """``name``'s stub with each ``raise NotImplementedError`` replaced by ``return constant``
    (``return None`` in an ``__init__``)."""
    lines, function = [], None
    for line in get_assignment(name).stub_path.read_text().splitlines():
        found = re.match(r"\s*def (\w+)", line)
        function = found.group(1) if found else function
        value = "None" if function == "__init__" else CONSTANTS[constant]
        lines.append(re.sub(r"raise NotImplementedError\([^)]*\)", f"return {value}", line))
    return _after_future_imports("\n".join(lines) + "\n", _HELPERS)


def replay_submission(name):
    """A submission whose every function of the stub returns the public fixtures' answer for its inputs."""
    stub = get_assignment(name).stub_path.read_text()
    functions = [node.name for node in ast.parse(stub).body if isinstance(node, ast.FunctionDef)]
    body = _REPLAY.format(name=name) + "".join(
        f"\n\ndef {f}(*args, **kwargs):\n    return _replay({f!r}, list(args) + list(kwargs.values()))\n"
        for f in functions)
    return body


def _after_future_imports(text, insert):
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    end = max((node.end_lineno for node in tree.body
               if isinstance(node, ast.ImportFrom) and node.module == "__future__"), default=0)
    return "".join(lines[:end]) + insert + "".join(lines[end:])
