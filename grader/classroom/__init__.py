"""The classroom: many submissions, many students.

Owns batch grading (``batch``: a local pool or a Dask cluster), the SQLite
gradebook, Gradescope's container side (``gradescope`` and its templates),
and fingerprints for finding copied work. It may import checking, reporting
and the sandbox; the CLI's verbs import it.
"""
