"""Grader functions that run inside the child, next to the submission.

Only modules under ``grader.probes`` and ``assignments.`` may be called this way
(see ``grader.child``); they receive the student's module first.
"""


def call_keeping_inputs(module, name, *args, emit=None, **kwargs):
    """Call ``module.name(*args, **kwargs)``; return the result and the arguments afterwards.

    The parent compares the arguments with what it sent, to catch in-place changes.
    """
    function = getattr(module, name)
    result = function(*args, **kwargs)
    return {"result": result, "args": list(args), "kwargs": kwargs}
