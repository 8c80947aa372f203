"""grade: an auto-grader for a course from gradient descent to deep networks.

Names are re-exported lazily, so that the sandboxed child, which imports
``grader.wire``, does not pay for the CLI's imports.
"""

_EXPORTS = {
    "GradeError": "grader.errors",
    "Check": "grader.checks",
    "CheckSet": "grader.checks",
    "CheckFailure": "grader.checks",
    "CheckResult": "grader.report",
    "Report": "grader.report",
    "Sandbox": "grader.sandbox",
    "grade_file": "grader.grading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_EXPORTS[name]), name)
