"""Finding and killing everything a submission started, however it detached (Linux ``/proc``).

A process that starts sandbox children (the grader, a batch worker, a zygote)
makes itself a child subreaper: an orphan of a submission is then reparented
to it instead of to init, so it can still be found. Every process of a
sandbox carries a mark that the kernel passes on to its descendants and that
nothing can take away: one seccomp filter more than the grader has
(``grader.sandbox.confinement``). ``sweep`` kills a child's whole tree and every marked
process that the grader adopted, round after round until none runs, and reaps
those it adopted. Elsewhere (no ``/proc``) these functions do nothing, and the
sandbox's process-group kill is all there is.
"""

import os
import signal
import time

_PR_SET_CHILD_SUBREAPER = 36
_subreaper = None


def become_subreaper():
    """Make this process the subreaper of its descendants; True where the kernel agreed."""
    global _subreaper
    if _subreaper is None:
        try:
            import ctypes
            _subreaper = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            _subreaper = False
    return _subreaper


def children(pid):
    """The pids whose parent is ``pid`` (every thread's children)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
    except (OSError, ValueError):
        pass
    return found


def descendants(root):
    """Every pid below ``root``, however deep."""
    found, todo = [], [root]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def seccomp_filters(pid="self"):
    """How many seccomp filters ``pid`` runs under; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            status = handle.read()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("Seccomp_filters:"):
            return int(line.split()[1])
    return None


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def members(roots, adopters=None, spare=()):
    """The running processes of a sandbox: ``roots``, their descendants, and the marked orphans that
    ``adopters`` (this process by default) hold, but none of ``spare``."""
    adopters = (os.getpid(),) if adopters is None else tuple(adopters)
    base, spare = seccomp_filters(), set(spare)
    found = set()
    for root in roots:
        found.update([root, *descendants(root)])
    if base is not None:
        for adopter in adopters:
            for pid in children(adopter):
                if pid not in spare and (seccomp_filters(pid) or 0) > base:
                    found.update([pid, *descendants(pid)])
    return {pid for pid in found - spare if _running(pid)}


def sweep(roots, adopters=None, spare=()):
    """SIGKILL ``roots``, their descendants and the marked orphans ``adopters`` hold; return when none runs.

    ``adopters`` are the subreapers that orphans reach (this process by
    default); ``spare`` are pids never to touch (other sandboxes' children).
    The roots are left for their ``Popen`` to reap; adopted ones are reaped here.
    """
    killed = set()
    for round_ in range(1000):
        targets = members(roots, adopters, spare)
        if not targets:
            break
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        killed |= targets
        time.sleep(0.001 * min(round_, 10))  # a kill lands asynchronously
    for pid in killed - set(roots):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
