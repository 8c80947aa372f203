"""The sandbox: where a submission's code runs, and what keeps it there.

Owns the child process (``child``, started by ``parent.Sandbox`` or forked
by a ``zygote``), the wire between them (``wire``: plain data, no pickle),
the child's confinement (``confinement``, ``landlock``) and the sweep that
kills what a submission started (``reaper``). It may import the standard
library, numpy, ``grader.errors`` and ``grader.verdicts``; nothing of
checking (whose child-side ``probes`` it only names, as a module the child may
run), reporting or the classroom. The child side imports only ``child``,
``wire``, ``confinement`` and ``landlock`` before the submission runs.
"""
