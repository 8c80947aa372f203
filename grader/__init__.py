"""grade: an auto-grader for a course from gradient descent to deep networks.

Names are re-exported lazily, so that the sandboxed child, which imports
``grader.sandbox.wire``, does not pay for the CLI's imports.
"""

_EXPORTS = {
    "GradeError": "grader.errors",
    "Check": "grader.checking.checks",
    "CheckSet": "grader.checking.checks",
    "CheckFailure": "grader.checking.checks",
    "CheckResult": "grader.reporting.report",
    "Report": "grader.reporting.report",
    "Sandbox": "grader.sandbox.parent",
    "grade_file": "grader.checking.grading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_EXPORTS[name]), name)
