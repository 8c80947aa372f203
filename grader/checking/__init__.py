"""Checking: what is graded and how, over a sandbox.

Owns the assignments' catalog and specs, checks and their contexts, the
comparisons and gradient checks that judge a result, statistics, seeds of
hidden inputs, public fixtures, the layers driven in the child, loading a
submission (``submission``) and MNIST (``mnist``), and ``grading``, which
runs an assignment's checks on a submission into a ``Report``. It may import
``grader.sandbox``, ``grader.reporting.report``, ``grader.errors`` and
``grader.verdicts``; nothing of the classroom or the CLI. ``probes`` and
``layers`` run in the child, so they import only numpy and the standard library;
``inference`` is the grader's own forward pass that scores training runs.
"""
