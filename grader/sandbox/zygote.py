"""A zygote for sandbox children: one clean process that has imported numpy, forking a child per sandbox.

Starting a sandbox's child as ``python -I -m grader.sandbox.child`` costs an
interpreter start and numpy's import, about 0.2 s, more than the checks of a
small assignment take. A batch worker calls ``install()``: from then on its
sandboxes get their children by asking a zygote to fork, a few milliseconds.

The zygote is started the way a child is (``python -I -m grader.sandbox.zygote``,
the sandbox's scrubbed environment, its own session) and imports numpy and
``grader.sandbox.child`` only: nothing of the checks, the grader or the reference is
in its memory, so nothing of them is in a fork's. For each request it forks;
the fork leads a new session, takes the sandbox's environment, scratch folder
and pipes, reseeds the random generators, and runs ``grader.sandbox.child.main`` as
the plain start would. The parent gets a ``Popen``-like object.

Lifetimes: the zygote dies with its worker (parent-death signal, and end of
file on its socket), and each fork dies with the zygote (``grader.sandbox.child``
sets its parent-death signal). Its environment carries a label
(``GRADE_SANDBOX=zygote-...``), which its forks show in ``/proc/PID/environ``.
The zygote is a child subreaper: what a fork
starts and leaves behind is reparented to it, where the sandbox's sweep finds
it (``grader.sandbox.reaper``), and the zygote reaps it. Anything that goes wrong with
the zygote falls back to the plain start.
"""

import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from grader.sandbox import reaper
from grader.sandbox.parent import _MARK

_PER_SANDBOX = ("HOME", "TMPDIR", _MARK)
_zygotes = {}
_lock = threading.Lock()


def install():
    """Make this process's sandboxes start their children from a zygote."""
    from grader.sandbox import parent as sandbox
    sandbox.launcher = popen


def popen(args, *, env, cwd, pass_fds, **options):
    """``subprocess.Popen(args, ...)`` for ``grader.sandbox.child``, forked by a zygote where one works."""
    base = {k: v for k, v in env.items() if k not in _PER_SANDBOX}
    key = tuple(sorted(base.items()))
    with _lock:
        for attempt in range(2):
            zygote = _zygotes.get(key)
            if zygote is None or not zygote.alive():
                try:
                    zygote = _zygotes[key] = Zygote(base)
                except (OSError, ValueError, subprocess.SubprocessError):
                    break
            try:
                return zygote.spawn(env, cwd, pass_fds)
            except (OSError, ValueError):
                zygote.close()
                _zygotes.pop(key, None)
    return subprocess.Popen(args, env=env, cwd=cwd, pass_fds=pass_fds, **options)


class Zygote:
    """The parent's side: the zygote process and the socket to it."""

    def __init__(self, env):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-m", "grader.sandbox.zygote", str(theirs.fileno()), str(os.getpid())],
                pass_fds=(theirs.fileno(),), env={**env, _MARK: f"zygote-{secrets.token_hex(8)}"}, cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.lock = threading.Lock()  # one request and its answer at a time
        ready = self._receive(timeout=30)
        if ready.get("ready") is not True:
            self.close()
            raise ValueError("the zygote did not start")

    def alive(self):
        return self.process.poll() is None

    def spawn(self, env, cwd, pass_fds):
        with self.lock:
            socket.send_fds(self.socket, [json.dumps({"op": "spawn", "env": env, "cwd": str(cwd)}).encode()],
                            list(pass_fds))
            reply = self._receive(timeout=10)
        if "pid" not in reply:
            raise ValueError(reply.get("error", "no pid"))
        return Forked(self, reply["pid"])

    def status(self, pid):
        """The pid's exit code once it has ended (reaped by the zygote), else None."""
        with self.lock:
            self.socket.send(json.dumps({"op": "reap", "pid": pid}).encode())
            return self._receive(timeout=10).get("status")

    def _receive(self, timeout):
        if not select.select([self.socket], [], [], timeout)[0]:
            raise OSError("the zygote did not answer")
        data = self.socket.recv(1 << 16)
        if not data:
            raise OSError("the zygote ended")
        return json.loads(data)

    def close(self):
        try:
            self.socket.close()
        finally:
            if self.process.poll() is None:
                reaper.sweep([self.process.pid])  # the zygote, its forks and what they left
                self.process.wait()


class Forked:
    """A fork of the zygote, as much of ``subprocess.Popen`` as ``Sandbox`` uses."""

    def __init__(self, zygote, pid):
        self.zygote, self.pid, self.returncode = zygote, pid, None
        self.adopter = zygote.process.pid  # where the fork's orphans go (a subreaper)
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None

    def poll(self):
        if self.returncode is None:
            if self.pidfd is not None and not select.select([self.pidfd], [], [], 0)[0]:
                return None
            self._reap()
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired("grader.sandbox.child", timeout)
            if self.pidfd is not None:
                select.select([self.pidfd], [], [], remaining)
            else:
                time.sleep(0.005 if remaining is None else min(0.005, remaining))
        return self.returncode

    def _reap(self):
        try:
            code = self.zygote.status(self.pid)
        except OSError:  # the zygote is gone, and its forks with it
            code = -signal.SIGKILL
        if code is not None:
            self.returncode = code
            if self.pidfd is not None:
                os.close(self.pidfd)
                self.pidfd = None

    def __del__(self):
        if getattr(self, "pidfd", None) is not None:
            os.close(self.pidfd)


# -- the zygote process ------------------------------------------------------------


def serve(sock, parent):
    from grader.sandbox import child

    child.die_with_parent(parent)
    reaper.become_subreaper()
    import numpy  # noqa: F401  the point of the zygote: forks start with numpy imported

    me = os.getpid()
    sock.send(json.dumps({"ready": True}).encode())
    forks, statuses = set(), {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 8)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        if request["op"] == "spawn":
            try:
                pid = os.fork()
            except OSError as exc:
                for fd in fds:
                    os.close(fd)
                sock.send(json.dumps({"error": str(exc)}).encode())
                continue
            if pid == 0:
                _become_child(sock, request, fds, me)
            for fd in fds:
                os.close(fd)
            forks.add(pid)
            sock.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "reap":
            _reap_all(forks, statuses)
            pid = request["pid"]
            if pid not in forks and pid not in statuses:
                statuses[pid] = -signal.SIGKILL
            if pid in statuses:
                forks.discard(pid)
            sock.send(json.dumps({"status": statuses.pop(pid, None)}).encode())


def _reap_all(forks, statuses):
    """Reap every child that has ended: a fork's status is kept for its request, an adopted orphan's dropped."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        if pid in forks:
            statuses[pid] = os.waitstatus_to_exitcode(status)


def _become_child(sock, request, fds, zygote_pid):
    """In the fork: become what ``python -I -m grader.sandbox.child READ WRITE PARENT`` would be."""
    try:
        sock.close()
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        import numpy
        random.seed()
        numpy.random.seed()
        read_fd, write_fd = fds
        sys.argv = ["grader.sandbox.child", str(read_fd), str(write_fd), str(zygote_pid)]
        from grader.sandbox import child
        child.main()
    finally:
        os._exit(1)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=int(sys.argv[1]))
    serve(sock, int(sys.argv[2]))
    os._exit(0)


if __name__ == "__main__":
    main()
