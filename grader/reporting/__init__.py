"""Reporting: what a grading says, to a terminal, Gradescope, a student or a teacher.

Owns ``Report`` and ``CheckResult``, results.json, feedback in Markdown and
HTML, the similarity page, and making a submission's text inert wherever
it is shown (``inert``). It imports the standard library (matplotlib
where installed, for plots) and ``grader.version``; nothing of the sandbox,
checking or the classroom.
"""
