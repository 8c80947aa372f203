"""Grading a class: finding the submissions in a folder, and grading them in parallel.

``scan`` turns a folder into ``Task`` objects (one per submission, with the
file's bytes and their sha256) and ``Unused`` entries (everything else, which
the batch reports). ``grade_task`` grades one task anywhere: in a worker of
the local pool or on a Dask worker; it writes the bytes to a scratch folder
and runs ``grade_file(..., hidden=True)``, whose sandbox runs the student's
code in a child process, and it never raises: a grading that fails comes back
as an ``Outcome`` with the reason.

``LocalPool`` (a ``ProcessPoolExecutor`` of spawned workers, which talk to the
batch over inherited pipes: no fork server, nothing that listens where a
sandbox could connect) and ``DaskPool`` (a running ``distributed``
cluster) both yield ``(task, outcome)`` as gradings finish. In the local
pool's workers, sandboxes fork their children from a zygote that has
imported numpy (``grader.sandbox.zygote``) instead of starting a new interpreter.

Process cleanup: the local pool's workers die with the batch. Each worker
watches the batch's main process (a pidfd, else polling) and takes a
parent-death signal; when the main process dies, even by SIGKILL, the worker
kills every process below it (its zygote, its sandbox's child and what that
started), their process groups, and every process that carries one of their
sandbox marks, then exits. The zygote and each sandbox child take a
parent-death signal too (``grader.sandbox.child``), so they die with a worker that
is killed outright.
"""

import datetime as dt
import os
import select
import signal
import socket
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from grader.checking import catalog
from grader.checking.deadlines import FILE_TIME
from grader.errors import GradeError
from grader.classroom.gradebook import file_sha256, grader_version, now
from grader.checking.submission import SUFFIXES, not_readable, size_problem
from grader.version import install_hint

# Modules each worker imports as it starts, before its first task.
PRELOAD = ["numpy", "grader.classroom.batch", "grader.checking.grading", "grader.classroom.gradebook", "grader.checking.compare",
           "grader.checking.gradcheck", "grader.sandbox.zygote"]
# The workers compare small arrays: one BLAS thread each (where the environment says nothing).
_WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Task:
    """One submission to grade, with its bytes: a worker need not see the batch's folder."""

    student: str
    assignment: str
    path: str            # where the batch found it
    filename: str
    sha256: str
    submitted_at: str    # ISO 8601: the file's modification time unless the LMS's was given
    data: bytes = field(repr=False, compare=False)
    options: dict = field(default_factory=dict, compare=False)  # the assignment's own, e.g. MNIST's path
    require_confinement: bool = field(default=False, compare=False)
    submitted_from: str = field(default=FILE_TIME, compare=False)  # where submitted_at came from

    @property
    def label(self):
        return f"{self.student} ({self.assignment})"


@dataclass(frozen=True)
class Unused:
    """An entry of the batch's folder that is not graded, and why."""

    path: str
    reason: str


@dataclass
class Outcome:
    """What a worker sends back: a report, or why there is none."""

    report: object = None         # grader.reporting.report.Report
    error: str | None = None      # why it could not be graded
    version: str | None = None    # the grader version that graded it
    started_at: str = ""
    finished_at: str = ""
    worker: str = ""


@dataclass
class Scan:
    tasks: list
    unused: list


# -- finding the submissions -----------------------------------------------------


def scan(directory, assignment=None, ignore=()):
    """The submissions in ``directory``, and the entries that are not.

    ``DIR/<student>/`` holds a student's submission file(s): one per
    assignment, the assignment inferred from the file name unless
    ``assignment`` is given. ``DIR/<student>.py`` / ``.ipynb`` needs
    ``assignment``. Paths in ``ignore`` (the gradebook, the output folder) are
    passed over without a word; anything else is an ``Unused`` entry, a
    symbolic link or a path out of ``directory`` too ("not graded: a symbolic
    link", ``grader.checking.submission.not_readable``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise GradeError(f"{directory}: no such folder")
    ignored = {Path(p).resolve() for p in ignore}
    tasks, unused = [], []
    for entry in sorted(directory.iterdir()):
        if entry.resolve() in ignored:
            continue
        why = not_readable(entry, directory)
        if why:
            unused.append(_not_graded(entry, why))
        elif entry.is_dir():
            try:
                found, skipped = _student_folder(entry, assignment, directory)
            except OSError as exc:
                found, skipped = [], [Unused(str(entry), f"cannot be read ({exc.strerror or exc})")]
            tasks.extend(found)
            unused.extend(skipped)
        elif entry.is_file() and entry.suffix in SUFFIXES:
            if assignment is None:
                unused.append(Unused(str(entry), "a submission file directly in the folder needs "
                                                 "--assignment (the file name is the student id)"))
            else:
                _add(tasks, unused, entry.stem, assignment, entry)
        else:
            kind = "a file" if entry.is_file() else "not a file"
            unused.append(Unused(str(entry), f"{kind} that is not a submission "
                                             f"(expected <student>/ or <student>{'|'.join(SUFFIXES)})"))
    seen = {}
    for task in tasks:
        seen.setdefault((task.student, task.assignment), []).append(task)
    for (student, name), same in seen.items():
        if len(same) > 1:
            unused += [Unused(t.path, f"{student} has {len(same)} {name} submissions here "
                                      f"({', '.join(x.path for x in same)}); keep one") for t in same]
    tasks = [t for t in tasks if len(seen[(t.student, t.assignment)]) == 1]
    return Scan(tasks, unused)


def _not_graded(path, why):
    return Unused(str(path), f"not graded: {why}")


def _student_folder(folder, assignment, directory):
    student = folder.name
    files, unused = [], []
    for path in sorted(folder.iterdir()):
        why = not_readable(path, directory)
        if why:
            unused.append(_not_graded(path, why))
        else:
            files.append(path)
    candidates = [p for p in files if p.is_file() and p.suffix in SUFFIXES]
    unused += [Unused(str(p), "not a .py or .ipynb submission file")
               for p in files if p not in candidates]
    if not candidates:
        return [], unused + [Unused(str(folder), "no .py or .ipynb submission file in this student's folder")]
    by_assignment = {}
    if assignment is not None:
        if len(candidates) > 1:
            named = [p for p in candidates if assignment in p.stem.lower().replace("-", "_")]
            if len(named) == 1:
                unused += [Unused(str(p), f"not the {assignment} submission ({named[0].name} is)")
                           for p in candidates if p != named[0]]
                candidates = named
        by_assignment[assignment] = candidates
    else:
        for path in candidates:
            try:
                name = catalog.infer_assignment(path).name
            except GradeError as exc:
                unused.append(Unused(str(path), exc.message))
                continue
            by_assignment.setdefault(name, []).append(path)
    tasks = []
    for name, paths in sorted(by_assignment.items()):
        if len(paths) == 1:
            _add(tasks, unused, student, name, paths[0])
        else:
            listed = ", ".join(p.name for p in paths)
            unused.append(Unused(str(folder), f"{len(paths)} submission files for {name} ({listed}); "
                                              "keep one"))
    return tasks, unused


def _add(tasks, unused, student, assignment, path):
    too_big = size_problem(path, catalog.get_assignment(assignment).spec.limits)
    if too_big:
        unused.append(Unused(str(path), too_big))
        return
    try:
        data = path.read_bytes()
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    except OSError as exc:
        unused.append(Unused(str(path), f"cannot be read ({exc.strerror or exc})"))
        return
    tasks.append(Task(student=student, assignment=assignment, path=str(path), filename=path.name,
                      sha256=file_sha256(data), submitted_at=mtime.isoformat(timespec="microseconds"),
                      data=data))


# -- grading one task (in a worker) ----------------------------------------------


def grade_task(task):
    """Grade ``task`` with public and hidden checks; never raises (see ``Outcome``)."""
    from grader.checking.grading import grade_file

    outcome = Outcome(started_at=now(), worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        outcome.version = grader_version(task.assignment)
        with tempfile.TemporaryDirectory(prefix="grade-batch-") as folder:
            path = Path(folder) / task.filename
            path.write_bytes(task.data)
            outcome.report = grade_file(path, assignment=task.assignment, student=task.student, hidden=True,
                                        submitted_at=task.submitted_at,
                                        submitted_from=task.submitted_from,
                                        options=task.options,
                                        require_confinement=task.require_confinement)
    except GradeError as exc:
        outcome.error = exc.message
    except Exception as exc:  # a grader bug costs this submission only, and is recorded
        outcome.error = f"the grader failed: {type(exc).__name__}: {exc}"
    outcome.finished_at = now()
    return outcome


# -- the local pool ----------------------------------------------------------------


def default_workers():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class LocalPool:
    """``workers`` processes on this machine, spawned (``start_method`` "spawn", or "fork").

    Not a fork server: it listens on a unix socket that any process of the user can find in
    ``/proc/net/unix`` and connect to, and runs what it is sent outside every sandbox.
    """

    def __init__(self, workers, start_method="spawn"):
        import multiprocessing
        if start_method not in ("spawn", "fork"):
            raise ValueError(f"start method {start_method!r}: a pool that listens is within a sandbox's reach")
        self.context = multiprocessing.get_context(start_method)
        self.saved_env = {key: os.environ.get(key) for key in _WORKER_ENV}
        os.environ.update({k: v for k, v in _WORKER_ENV.items() if self.saved_env[k] is None})  # workers inherit it
        self.workers = workers
        self.executor = None

    def _executor(self):
        if self.executor is None:
            self.started = self.context.SimpleQueue()  # workers say which task they start
            self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context,
                                                initializer=_init_worker, initargs=(os.getpid(), self.started))
        return self.executor

    def results(self, tasks):
        """Yield ``(task, outcome)`` as gradings finish.

        A worker that dies (not a sandbox's child: the worker itself) breaks
        the whole pool, and every task not yet finished fails with it. The
        pool is rebuilt; the tasks that had not started go back in line, and
        those that were running are graded again at the end, alone, so that
        a second break is surely that task's doing: it is then recorded as
        failed to grade.
        """
        tasks = list(tasks)
        line, alone, breaks = list(range(len(tasks))), [], {}
        while line:
            pending = {self._executor().submit(_run, i, tasks[i]): i for i in line}
            line, lost = [], []
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    i = pending.pop(future)
                    try:
                        outcome = future.result()
                    except (BrokenProcessPool, CancelledError):
                        lost.append(i)
                        continue
                    yield tasks[i], outcome
            if lost:
                started = self._drain_started()
                self._shutdown(kill=True)
                for i in lost:
                    breaks[i] = breaks.get(i, 0) + 1
                    if i in started or breaks[i] > 3:
                        alone.append(i)
                    else:
                        line.append(i)
        for i in alone:
            future = self._executor().submit(_run, i, tasks[i])
            try:
                outcome = future.result()
            except (BrokenProcessPool, CancelledError):
                self._shutdown(kill=True)
                outcome = Outcome(error="the grading process died while this submission was being graded, "
                                        "twice (does it kill its parent process?)",
                                  started_at=now(), finished_at=now())
            yield tasks[i], outcome

    def _drain_started(self):
        started = set()
        try:
            while not self.started.empty():
                started.add(self.started.get())
        except (OSError, EOFError):
            pass
        return started

    def _shutdown(self, kill=False):
        executor, self.executor = self.executor, None
        if executor is None:
            return
        if kill:
            # SIGTERM: each worker's handler kills its sandbox and exits (see _die); SIGKILL after 5 s.
            processes = list((getattr(executor, "_processes", None) or {}).values())
            for process in processes:
                try:
                    process.terminate()
                except (OSError, AttributeError, ValueError):
                    pass
            for process in processes:
                try:
                    process.join(5)
                    if process.exitcode is None:
                        process.kill()
                except (OSError, AttributeError, ValueError, AssertionError):
                    pass
        executor.shutdown(wait=not kill, cancel_futures=True)

    def close(self, kill=False):
        self._shutdown(kill=kill)
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close(kill=kind is not None)


# -- worker side: die with the batch ------------------------------------------------

_dying = threading.Lock()


_started = None


def _run(index, task):
    """A pool worker's task: say that task ``index`` starts, then grade it."""
    _started.put(index)
    return grade_task(task)


def _init_worker(main_pid, started):
    """Runs in each pool worker before its first task."""
    global _started
    _started = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, lambda *_: _die())
    _set_parent_death_signal(signal.SIGTERM)
    _watch(main_pid)
    import importlib
    for name in PRELOAD:
        importlib.import_module(name)
    if os.environ.get("GRADE_ZYGOTE", "1") != "0":  # GRADE_ZYGOTE=0: start each child the plain way
        from grader.sandbox import zygote
        zygote.install()  # sandbox children forked from a process that has imported numpy


def _set_parent_death_signal(signum):
    """Linux: have the kernel send ``signum`` to this process when its parent dies."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signum))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _watch(pid):
    """A daemon thread that calls ``_die`` when process ``pid`` (the batch) ends."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        _die()
    except (AttributeError, OSError):
        fd = None

    def loop():
        if fd is not None:
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(0.5)
        _die()

    threading.Thread(target=loop, name="grade-watch-batch", daemon=True).start()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _die():
    """Kill every process this worker started (sandboxes and what they started), then exit."""
    # The watcher thread and the SIGTERM handler may both come here, and SIGTERM may come twice
    # (the pool terminates a broken pool's workers, and so does the batch): one does the work.
    if not _dying.acquire(blocking=False):
        if threading.current_thread() is threading.main_thread():
            return  # a signal handler inside the first call: let that one finish
        while True:
            time.sleep(60)
    try:
        kill_descendants(os.getpid())
    finally:
        os._exit(1)


def kill_descendants(root):
    """SIGKILL every process below ``root`` (sandboxes, zygotes, and orphans this worker adopted)."""
    from grader.sandbox.reaper import descendants, sweep

    sweep(descendants(root))


# -- a Dask cluster --------------------------------------------------------------------


class DaskPool:
    """Each task is a Dask task on the running cluster at ``address``."""

    def __init__(self, address):
        try:
            from distributed import Client
        except ImportError:
            raise GradeError("--scheduler needs Dask's distributed package: "
                             + install_hint("cluster")) from None
        try:
            self.client = Client(address, timeout=15, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise GradeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None

    def results(self, tasks):
        from distributed import as_completed

        futures = {}
        for task in tasks:
            future = self.client.submit(grade_task, task, pure=False,
                                        key=f"grade-{task.assignment}-{task.student}-{os.urandom(4).hex()}")
            futures[future.key] = (future, task)
        for future in as_completed([f for f, _ in futures.values()], loop=self.client.loop):
            _, task = futures.pop(future.key)
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died, or the task was lost: this submission only
                outcome = Outcome(error=f"the Dask task failed: {type(exc).__name__}: {exc}",
                                  started_at=now(), finished_at=now())
            future.release()
            yield task, outcome

    def close(self, kill=False):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

