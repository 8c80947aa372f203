"""The sandboxed child: runs the student's module and answers the parent's calls.

Started by ``grader.sandbox.parent`` as ``python -I -m grader.sandbox.child READ_FD WRITE_FD
PARENT_PID``; it dies with its parent, applies its limits and confines itself
(``grader.sandbox.confinement``) before the submission runs. It imports only the
standard library, numpy, ``grader.sandbox.wire`` and ``grader.sandbox.confinement`` (and
``grader.sandbox.landlock``) before the student's code, and sends back plain data.
"""

import importlib
import io
import os
import sys
import traceback
import types
import warnings

from grader.sandbox import confinement, wire

# Bound now, so that a submission that patches these modules cannot break replies.
_send, _receive, _encode, _decode = wire.send, wire.receive, wire.encode, wire.decode
_format_exception_only = traceback.format_exception_only
_HELPER_MODULES = ("assignments.", "grader.checking.probes")


class CappedText(io.TextIOBase):
    """stdout and stderr of the submission: kept up to ``cap`` characters, the rest counted."""

    def __init__(self, cap):
        self.cap, self.kept, self.dropped, self.parts = cap, 0, 0, []

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.cap - self.kept
        self.parts.append(text[:room] if room > 0 else "")
        self.kept += min(len(text), max(room, 0))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def take(self):
        text, self.parts = "".join(self.parts), []
        return text


class BlockImports:
    """A meta-path finder that makes the listed top-level packages unimportable."""

    def __init__(self, names):
        self.names = tuple(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(f"'{fullname}' is not available to submissions")
        return None


class Child:
    def __init__(self, read_fd, write_fd, config):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.filename = config["filename"]
        self.output = CappedText(config["output_cap"])
        self.objects = {}
        self.module = types.ModuleType(config["module_name"])
        self.module.__file__ = self.filename

    def store(self, value):
        key = len(self.objects) + 1
        self.objects[key] = value
        return key

    def resolve(self, item):
        if isinstance(item, wire.Handle):
            return self.objects[item.id]
        if item.kind == "rng":
            import numpy as np
            return np.random.default_rng(item.value)
        if item.kind == "function":
            module, name = item.value.split(":")
            if not module.startswith(_HELPER_MODULES):
                raise ImportError(f"{module} is not a grader module")
            return getattr(importlib.import_module(module), name)
        raise ValueError(f"unknown token {item.kind}")

    def reply(self, **message):
        message["output"] = self.output.take()
        message["dropped"] = self.output.dropped
        _send(self.write_fd, message)

    def error(self, exc):
        line, function = None, None
        tb = exc.__traceback__
        while tb is not None:  # the innermost frame of the submission's own file
            code = tb.tb_frame.f_code
            if code.co_filename == self.filename:
                line, function = tb.tb_lineno, _qualname(tb.tb_frame)
            tb = tb.tb_next
        syntax = None
        if isinstance(exc, SyntaxError) and exc.filename == self.filename:
            line, syntax = exc.lineno, str(exc.msg)[:800]
        text = "".join(_format_exception_only(type(exc), exc)).strip()
        return {"type": type(exc).__name__, "message": text[-800:], "line": line,
                "function": function if function != "<module>" else None,
                "not_implemented": isinstance(exc, NotImplementedError), "syntax": syntax}

    def run_import(self, source):
        sys.modules[self.module.__name__] = self.module
        try:
            exec(compile(source, self.filename, "exec", dont_inherit=True), self.module.__dict__)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: all are the submission's
            self.reply(error=self.error(exc))
            return False
        self.reply(ok=sorted(n for n in vars(self.module) if not n.startswith("_")))
        return True

    def target(self, spec):
        if "handle" in spec:
            return self.objects[spec["handle"]]
        name = spec["name"]
        if not hasattr(self.module, name):
            raise LookupError(name)
        return getattr(self.module, name)

    def serve(self):
        while True:
            request = _receive(self.read_fd)
            op = request["op"]
            if op == "exit":
                return
            try:
                args = _decode(request.get("args", []), self.resolve)
                kwargs = _decode(request.get("kwargs", {"__dict__": []}), self.resolve)
                if op == "helper":
                    module, name = request["function"].split(":")
                    if not module.startswith(_HELPER_MODULES):
                        raise ImportError(f"{module} is not a grader module")
                    function = getattr(importlib.import_module(module), name)
                    result = function(self.module, *args, emit=self.emit, **kwargs)
                else:
                    try:
                        obj = self.target(request["target"])
                    except LookupError as exc:
                        self.reply(missing=str(exc.args[0]))
                        continue
                    if op == "get":
                        result = getattr(obj, request["attr"]) if request.get("attr") else obj
                    elif op == "calls":  # one method on each argument list: many points, one round trip
                        method = getattr(obj, request["attr"])
                        result = [method(*each, **kwargs) for each in args]
                    elif op == "assign":  # in place: a model that holds the array sees the new values
                        key, value = args
                        getattr(obj, request["attr"])[key][...] = value
                        result = None
                    else:
                        if request.get("attr"):
                            obj = getattr(obj, request["attr"])
                        result = obj(*args, **kwargs)
                encoded = _encode(result, self.store)
            except BaseException as exc:
                self.reply(error=self.error(exc))
                continue
            self.reply(ok=encoded)

    def emit(self, event):
        _send(self.write_fd, {"event": _encode(event)})


def _qualname(frame):
    """``Dense.forward``: the frame's function as the submission names it."""
    code = frame.f_code
    if hasattr(code, "co_qualname"):
        return code.co_qualname
    try:  # Python 3.10 has no co_qualname: find the class whose method runs this code
        owner = frame.f_locals.get("self", frame.f_locals.get("cls"))
        for klass in (owner if isinstance(owner, type) else type(owner)).__mro__ if owner is not None else ():
            method = klass.__dict__.get(code.co_name)
            if getattr(getattr(method, "__func__", method), "__code__", None) is code:
                return f"{klass.__qualname__}.{code.co_name}"
    except Exception:  # the submission's classes may do anything; the plain name will do
        pass
    return code.co_name


def apply_limits(limits):
    """Limit this process before the submission runs; children inherit the limits."""
    import resource
    for name, value in limits.items():
        kind = getattr(resource, f"RLIMIT_{name}")
        hard = value + 5 if name == "CPU" else value  # a soft CPU limit sends SIGXCPU first
        resource.setrlimit(kind, (value, hard))


def die_with_parent(parent_pid):
    """Linux: the kernel kills this process when the grader that started it dies, even by SIGKILL.

    The child leads its own session, so nothing else would end it; the check
    of the parent's pid closes the race where the parent died before this call.
    """
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def main():
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 3:
        die_with_parent(int(sys.argv[3]))
    config = _receive(read_fd)
    apply_limits(config["rlimits"])
    child = Child(read_fd, write_fd, config)
    _send(write_fd, {"confinement": confinement.apply(config["confinement"])})
    sys.meta_path.insert(0, BlockImports(config["blocked"]))
    sys.stdin = io.StringIO()
    sys.stdout = sys.stderr = child.output
    warnings.simplefilter("default")
    if child.run_import(config["source"]):
        child.serve()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
