"""The parent's side of the sandbox: a child process per submission, plain data back.

A ``Sandbox`` starts ``grader.sandbox.child`` in its own session and process group,
with a scrubbed environment and a scratch folder; the child applies CPU,
memory and file-size limits to itself before it runs the submission. Each call
has a wall-time deadline. When the child dies or is killed, the call that was
running fails and the next call starts a fresh child.

The child confines itself before the submission's first line
(``grader.sandbox.confinement``, planned here) and says what was in force
(``confinement``). The process that owns sandboxes is a child subreaper, so a
child's tree is found and killed whole, however it detached
(``grader.sandbox.reaper``): ``close`` leaves no process behind, so a verdict
written after it is the last word.
"""

import builtins
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from grader.sandbox import confinement, reaper, wire
from grader.sandbox.watchdog import OverLimit, Watchdog
from grader.verdicts import ImportFailed, MissingName, NotImplementedYet, SubmissionFailure, WireError

_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_EXCEPTIONS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}
_MARK = "GRADE_SANDBOX"  # a label in the child's environment, for a person reading `ps e`
_live = set()  # pids of the running children of this process's sandboxes
# Starts the child: subprocess.Popen, or a fork of a zygote that has imported numpy (grader.sandbox.zygote).
launcher = subprocess.Popen


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048
    cpu_seconds: int = 120
    import_seconds: float = 10.0
    output_chars: int = 20_000
    reply_bytes: int = 64 << 20
    file_mb: int = 64
    scratch_mb: int = 512          # the scratch folder, all files together
    scratch_files: int = 10_000
    processes: int = 512           # tasks (threads too) of the sandbox as a whole, where it has a uid of its own
    submission_kb: int = 1024      # a .py file; a notebook may be ``notebook_kb``
    notebook_kb: int = 16384
    env: dict = field(default_factory=dict)
    require_confinement: bool = False  # refuse to grade where the child would run unconfined


class Sandbox:
    def __init__(self, source, limits=Limits(), blocked=("reference",)):
        self.source = source
        self.limits = limits
        self.blocked = tuple(blocked)
        self.process = None
        self.generation = 0
        self.import_failure = None
        self.names = ()
        self.output = []
        self.output_dropped = 0
        self.student_seconds = 0.0
        self.deadline = None
        self.budget_seconds = 60.0
        self.timed_out = set()  # calls that ran out of time once are not waited for again
        self.scratch = tempfile.mkdtemp(prefix="grade-")
        self.mark = secrets.token_hex(8)
        self.confinement = None  # what the child said was in force

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def student(self):
        return Module(self)

    # -- the child process -------------------------------------------------

    def _start(self):
        if self.import_failure:
            raise ImportFailed(self.import_failure)
        # One socket pair, not pipes: a socket cannot be reopened through /proc/self/fd.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.setblocking(False)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": self.scratch, "TMPDIR": self.scratch,
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               _MARK: self.mark}
        env.update({k: os.environ[k] for k in _PASSED_ENV if k in os.environ})
        env.update(self.limits.env)
        reaper.become_subreaper()
        try:
            self.process = launcher(
                [sys.executable, "-I", "-m", "grader.sandbox.child", str(theirs.fileno()), str(theirs.fileno()),
                 str(os.getpid())],
                pass_fds=(theirs.fileno(), theirs.fileno()), cwd=self.scratch, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.channel = ours
        self.fd = ours.fileno()
        _live.add(self.process.pid)
        self.generation += 1
        limits = self.limits
        config = {"source": self.source.text, "filename": self.source.path.name,
                  "module_name": module_name(self.source.path),
                  "blocked": list(self.blocked), "output_cap": limits.output_chars,
                  "confinement": confinement.plan(self.blocked, self.scratch, limits.scratch_mb,
                                                  limits.scratch_files, limits.processes),
                  "rlimits": {"AS": limits.memory_mb << 20, "CPU": limits.cpu_seconds,
                              "FSIZE": limits.file_mb << 20, "CORE": 0}}
        started = time.monotonic()
        self.watchdog = Watchdog(self.process.pid, limits, self.scratch, self._adopters())
        try:
            self._send(config, started + limits.import_seconds, "confining the process")
            # What confines the child comes first, before the submission's code could touch it.
            confined = self._receive(started + limits.import_seconds, "confining the process")
            self.confinement = confined["confinement"] + ("; subreaper" if reaper.become_subreaper() else "")
            self.watchdog.scratch_mounted = "scratch tmpfs" in self.confinement
            reply = self._receive(started + limits.import_seconds, "importing the file")
        except SubmissionFailure as exc:
            self.import_failure = _import_message(str(exc), limits.import_seconds)
            raise ImportFailed(self.import_failure) from None
        finally:
            self.student_seconds += time.monotonic() - started
        if "error" in reply:
            self._kill()
            err = reply["error"]
            where = self.source.where(err["line"])
            # A syntax error is found here, in the confined child, not by compiling in the grader.
            self.import_failure = (f"{where}: syntax error: {err['syntax']}; no check could run"
                                   if err.get("syntax") else f"importing {where} raised {err['message']}")
            raise ImportFailed(self.import_failure)
        names = reply.get("ok")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self._kill()
            self.import_failure = ("importing the file: the submission's process sent a reply that cannot be "
                                   "read (not the list of its names); no check could run")
            raise ImportFailed(self.import_failure)
        self.names = tuple(names)

    def _alive(self):
        return self.process is not None and self.process.poll() is None

    def _kill(self):
        """Kill the child and everything it started; return when none of them runs."""
        if self.process is None:
            return
        pid = self.process.pid
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _live.discard(pid)
        reaper.sweep([pid], adopters=self._adopters(), spare=_live)
        self.process.wait()
        self.channel.close()
        self.process = None

    def _adopters(self):
        """The subreapers that the child's orphans reach: this process, and a zygote where one forked it."""
        return [os.getpid()] + ([self.process.adopter] if hasattr(self.process, "adopter") else [])

    def close(self):
        """End the child and everything it started; remove the scratch folder."""
        if self.process is not None:
            try:
                self._send({"op": "exit"}, time.monotonic() + 1, "ending")
                self.process.wait(timeout=1)
            except (OSError, subprocess.TimeoutExpired, SubmissionFailure):
                pass
            self._kill()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def start(self):
        """Start the child (importing the submission) before the first call; raises ``ImportFailed``."""
        if not self._alive():
            self._start()

    # -- calls ---------------------------------------------------------------

    def budget(self, seconds):
        """Give the calls that follow ``seconds`` of wall time in all."""
        self.budget_seconds = seconds
        self.deadline = time.monotonic() + seconds

    def request(self, message, what, on_event=None):
        if what in self.timed_out:
            raise SubmissionFailure(f"{what} did not finish within its time budget in an earlier "
                                    "check, so it was not run again")
        if not self._alive():
            if self.process is not None:
                self._kill()
            self._start()
        deadline = self.deadline or time.monotonic() + self.budget_seconds
        started = time.monotonic()
        try:
            self._send(message, deadline, what)
            while True:
                reply = self._receive(deadline, what)
                if "event" not in reply:
                    break
                if on_event is not None:
                    on_event(self._decoded(reply["event"], what))
        finally:
            self.student_seconds += time.monotonic() - started
        # ``quiet``: the message without the child's words, which the submission may have chosen
        if "missing" in reply:
            raise MissingName(f"missing {reply['missing']}: the submission does not define it",
                              f"missing {what}: the submission does not define it")
        if "error" in reply:
            err = reply["error"]
            if err["not_implemented"]:
                name = err.get("function") or what
                said = f"{name} is not implemented yet (it raises NotImplementedError)" + (
                    f", called by {what}" if name != what else "")
                raise NotImplementedYet(said, said if _defined(name, self.source.text) else
                                        f"{what} is not implemented yet (it raises NotImplementedError)")
            kind = err["type"] if err["type"] in _EXCEPTIONS else "an exception"
            raise SubmissionFailure(f"{what} raised {err['message']} ({self.source.where(err['line'])})",
                                    f"{what} raised {kind}; `grade check` shows its message")
        if "ok" not in reply:
            self._kill()
            raise SubmissionFailure(f"{what}: the submission's process sent a reply that cannot be read "
                                    "(no answer in it); the process was stopped")
        return self._decoded(reply["ok"], what)

    def _decoded(self, data, what):
        try:
            return wire.decode(data)
        except (WireError, ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
            self._kill()
            raise SubmissionFailure(f"{what} sent back something that cannot be read: {exc}",
                                    f"{what}: the submission's process sent a reply that cannot be read; the process was stopped") from None

    def _waiter(self, deadline, writing=False):
        """``wait(fd)`` for the wire: until ``fd`` is ready or the deadline, minding the sandbox's limits."""
        def wait(fd):
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                ready = select.select([] if writing else [fd], [fd] if writing else [], [],
                                      min(remaining, _WATCH_SECONDS))
                if ready[0] or ready[1]:
                    return
                over = self.watchdog.over()
                if over:
                    raise OverLimit(over)
        return wait

    def _send(self, message, deadline, what):
        try:
            wire.send(self.fd, message, self._waiter(deadline, writing=True))
        except TimeoutError:
            self._kill()
            self.timed_out.add(what)
            raise SubmissionFailure(f"{what}: the submission's process stopped reading its requests "
                                    f"(within the check's time budget, {self.budget_seconds:g} s); "
                                    "the process was stopped") from None
        except OverLimit as exc:
            raise self._over_limit(what, exc) from None
        except OSError:
            raise self._ended(what) from None

    def _receive(self, deadline, what):
        try:
            reply = checked_reply(wire.receive(self.fd, self.limits.reply_bytes, self._waiter(deadline)))
        except TimeoutError:
            self._kill()
            self.timed_out.add(what)
            raise SubmissionFailure(f"{what} did not finish within the check's time budget "
                                    f"({self.budget_seconds:g} s); the process was stopped") from None
        except (EOFError, OSError):
            raise self._ended(what) from None
        except OverLimit as exc:
            raise self._over_limit(what, exc) from None
        except (WireError, ValueError, RecursionError, MemoryError) as exc:
            self._kill()
            raise SubmissionFailure(f"{what}: the submission's process sent a reply that cannot be read "
                                    f"({exc}); the process was stopped", f"{what}: the submission's process sent a reply that cannot be read; the process was stopped") from None
        self._keep_output(reply)
        return reply

    def _over_limit(self, what, exc):
        self._kill()
        return SubmissionFailure(f"{what}: {exc}; the process was stopped",  # how much, in how many: its choice
                                 f"{what}: the submission's processes went over a limit of the sandbox "
                                 "(memory, CPU or scratch folder); the process was stopped")

    def _ended(self, what):
        status = self._exit_status()  # an exit status is the submission's choice: not on drawn inputs
        return SubmissionFailure(f"the submission's process ended while {_running(what)} ({status})",
                                 f"the submission's process ended while {_running(what)}")

    def _exit_status(self):
        process = self.process
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self._kill()
        if code is None:
            return "it closed its pipe"
        if code < 0:
            name = signal.Signals(-code).name
            reason = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed, likely out of memory",
                      "SIGXFSZ": "file size limit"}.get(name, name)
            return f"signal {name}: {reason}"
        return f"exit status {code}"

    def _keep_output(self, reply):
        text = reply.get("output") or ""
        room = self.limits.output_chars - sum(map(len, self.output))
        if text and room > 0:
            self.output.append(text[:room])
        self.output_dropped = max(self.output_dropped, int(reply.get("dropped") or 0))


def _defined(qualname, text):
    """Whether each part of ``qualname`` (``Dense.forward``) is defined in ``text``: a name the
    child reports can then only pick among the file's own."""
    return isinstance(qualname, str) and all(
        re.fullmatch(r"\w+", part) and re.search(rf"\b(def|class)\s+{part}\b", text)
        for part in qualname.split("."))


_WATCH_SECONDS = 0.1  # how often the limits of the sandbox as a whole are looked at while a call runs
# Each field a reply may carry, and its type: anything else is unreadable.
_REPLY_FIELDS = {"ok": object, "error": dict, "missing": str, "event": object, "confinement": str,
                 "output": str, "dropped": int}
_ERROR_FIELDS = {"type": str, "message": str, "line": (int, type(None)), "function": (str, type(None)),
                 "not_implemented": bool, "syntax": (str, type(None))}


def checked_reply(reply):
    """``reply``, if each of its fields has the type the protocol gives it; else ``WireError``."""
    if not isinstance(reply, dict) or not reply or not set(reply) <= set(_REPLY_FIELDS):
        raise WireError("malformed reply")
    for name, value in reply.items():
        if not isinstance(value, _REPLY_FIELDS[name]) or isinstance(value, bool) and name == "dropped":
            raise WireError(f"malformed reply: {name} is a {type(value).__name__}")
    error = reply.get("error")
    if error is not None:
        if set(error) - set(_ERROR_FIELDS) or not {"type", "message", "not_implemented"} <= set(error):
            raise WireError("malformed error reply")
        for name, value in error.items():
            if not isinstance(value, _ERROR_FIELDS[name]) or name == "line" and isinstance(value, bool):
                raise WireError(f"malformed error reply: {name} is a {type(value).__name__}")
    return reply


def module_name(path):
    """The submission's module name: its file's, unless that is a module it may import (``keras.py``)."""
    import importlib.util
    name = path.stem.replace("-", "_").replace(".", "_")
    try:
        shadows = name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        shadows = True
    return "submission" if shadows else name


def _running(what):
    return what if what.startswith("importing") else f"running {what}"


def _import_message(message, seconds):
    if "did not finish" in message:
        return (f"importing the file did not finish within {seconds:g} s "
                "(a loop at the top level?); no check could run")
    return f"{message}; no check could run"


class Module:
    """The student's module as seen from the parent: ``student.mse_loss(X, y, theta)``."""

    def __init__(self, sandbox):
        self._sandbox = sandbox

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Callable(self._sandbox, {"name": name}, None, name)

    def helper(self, function, *args, what=None, on_event=None, **kwargs):
        """Run a grader function (``module:name``) in the child, given the student's module.

        ``what`` names the student code it runs, for messages. Objects that stay in the child come
        back as ``Remote`` handles, as from any call.
        """
        message = {"op": "helper", "function": function, "args": _encode_args(args),
                   "kwargs": _encode_args(kwargs)}
        label = what or function.split(":")[-1]
        return _wrap(self._sandbox, self._sandbox.request(message, label, on_event), label)

    def call_keeping_inputs(self, name, *args, **kwargs):
        """Call ``name``; return ``{"result", "args", "kwargs"}`` as they are after the call."""
        return self.helper("grader.checking.probes:call_keeping_inputs", name, *args, what=name, **kwargs)


class Remote:
    """An object that lives in the child, such as a student's ``Dense`` layer."""

    def __init__(self, sandbox, handle, label):
        self._sandbox, self._handle, self._label = sandbox, handle, label
        self._generation = sandbox.generation

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Callable(self._sandbox, self._target(), name, f"{self._label}.{name}")

    def attr(self, name):
        """Read attribute ``name`` (e.g. ``params``) of the object."""
        return _get(self._sandbox, self._target(), name, f"{self._label}.{name}")

    def calls(self, name, args_list, **kwargs):
        """``[obj.name(*args, **kwargs) for args in args_list]``, in one round trip."""
        message = {"op": "calls", "target": self._target(), "attr": name,
                   "args": _encode_args([list(args) for args in args_list]), "kwargs": _encode_args(kwargs)}
        label = f"{self._label}.{name}"
        return _wrap(self._sandbox, self._sandbox.request(message, label), label)

    def assign(self, name, key, value):
        """Write ``value`` into the array ``obj.name[key]`` in place (e.g. a layer's ``params["W"]``)."""
        message = {"op": "assign", "target": self._target(), "attr": name, "args": _encode_args([key, value])}
        self._sandbox.request(message, f"{self._label}.{name}[{key!r}]")

    def _target(self):
        if self._generation != self._sandbox.generation:
            raise SubmissionFailure(f"{self._label} was lost when the submission's process was restarted")
        return {"handle": self._handle.id}

    def __repr__(self):
        return f"<{self._label} in the submission>"


class _Callable:
    def __init__(self, sandbox, target, attr, label):
        self.sandbox, self.target, self.attr, self.label = sandbox, target, attr, label

    def __call__(self, *args, **kwargs):
        message = {"op": "call", "target": self.target, "attr": self.attr,
                   "args": _encode_args(args), "kwargs": _encode_args(kwargs)}
        return _wrap(self.sandbox, self.sandbox.request(message, self.label), self.label)


def _get(sandbox, target, attr, label):
    message = {"op": "get", "target": target, "attr": attr}
    return _wrap(sandbox, sandbox.request(message, label), label)


def _encode_args(value):
    def unwrap(item):  # a list of them too: Sequential([layer, layer])
        if isinstance(item, list):
            return [unwrap(v) for v in item]
        return item._handle if isinstance(item, Remote) else item
    if isinstance(value, dict):
        return wire.encode({k: unwrap(v) for k, v in value.items()})
    return wire.encode([unwrap(v) for v in value])


def _wrap(sandbox, value, label):
    """Handles in a reply become ``Remote`` objects of the current child."""
    if isinstance(value, wire.Handle):
        return Remote(sandbox, value, value.type_name)
    if isinstance(value, list):
        return [_wrap(sandbox, v, label) for v in value]
    if isinstance(value, tuple):
        return tuple(_wrap(sandbox, v, label) for v in value)
    if isinstance(value, dict):
        return {k: _wrap(sandbox, v, label) for k, v in value.items()}
    return value
