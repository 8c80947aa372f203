"""Confinement of a sandbox child, applied in the child before the submission's first line runs.

The parent plans (``plan``): which paths the child may read (the interpreter,
its standard library and installed packages, the grader's own ``grader`` and
``assignments`` packages, shared libraries, a few files of ``/etc`` and
``/dev``), always minus the blocked packages (``reference``) even where they
lie inside one of those trees, and the one folder it may write (its scratch
folder). The child (``apply``) then takes, each where the machine offers it:

- ``no_new_privs``, and a seccomp filter that allows everything: the mark by
  which ``grader.sandbox.reaper`` knows the sandbox's processes, kept by the kernel
  for every descendant and removable by none;
- Landlock: read-only access to the planned paths, write access to the
  scratch folder only; from ABI 4 no TCP bind or connect (UDP too from ABI
  10); from ABI 6 no signal to, and no abstract unix socket of, any process
  outside the sandbox. Other processes' ``/proc`` entries are unreadable:
  only the child's own ``/proc/PID`` is granted;
- as root, every capability dropped (bounding, ambient, effective,
  permitted, inheritable); otherwise a limit on the number of processes;
- as root where Landlock is missing, the identity of an unprivileged user
  (nobody), where the interpreter can be read by that user.

``apply`` returns what was in force, in words, for the report. Linux only;
elsewhere it returns "none" and why.
"""

import functools
import os
import sys

NOBODY = 65534
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf",
                 "/etc/passwd", "/etc/group", "/etc/os-release", "/etc/mime.types",
                 "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/loadavg",
                 "/sys/devices/system/cpu", "/sys/fs/cgroup")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_MORE_PROCESSES = 512  # what a submission may start beyond what runs already


def landlock_abi():
    """The kernel's Landlock ABI version; 0 where there is none (or not Linux)."""
    if not sys.platform.startswith("linux") or os.environ.get("GRADE_LANDLOCK") == "0":
        return 0
    from grader.sandbox import landlock
    return landlock.abi_version()


def missing(blocked=("reference",)):
    """Why a child started here would run unconfined; "" where it would not."""
    if not sys.platform.startswith("linux"):
        return "confinement needs Linux"
    if landlock_abi():
        return ""
    if os.geteuid() == 0:
        return "" if _nobody_can_run(_read_plan(tuple(blocked))) else (
            "Landlock is not available on this kernel, and the interpreter is not readable by nobody "
            "or the reference is")
    return "Landlock is not available on this kernel, and the grader does not run as root"


def plan(blocked, scratch):
    """What ``apply`` needs: the paths to read and write, and the blocked packages' paths."""
    return {**_read_plan(tuple(blocked)), "write": [os.path.realpath(scratch)], "landlock": landlock_abi()}


@functools.lru_cache(maxsize=8)
def _read_plan(blocked):
    denied = _blocked_paths(blocked)
    return {"read": _beneath(_read_roots(), denied), "denied": denied,
            "devices": [d for d in _DEVICES if os.path.exists(d)]}


def _read_roots():
    import sysconfig

    import assignments
    import grader

    roots = [os.path.dirname(grader.__file__), os.path.dirname(assignments.__file__),
             os.path.realpath(sys.executable), *_SYSTEM_TREES, *_SYSTEM_FILES]
    packages = []
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        paths = sysconfig.get_paths(vars={"base": prefix, "platbase": prefix,
                                          "installed_base": prefix, "installed_platbase": prefix})
        roots += [paths["stdlib"], paths["platstdlib"], os.path.join(prefix, "lib")]  # lib: libpython
        packages += [paths["purelib"], paths["platlib"]]
    packages += _pth_folders(packages)
    return sorted({os.path.realpath(p) for p in roots + packages + _link_targets(packages)
                   if os.path.exists(p)})


def _pth_folders(site_folders):
    """The folders that ``.pth`` files in the site folders put on the path (as ``site`` does)."""
    found = []
    for folder in site_folders:
        try:
            names = [n for n in os.listdir(folder) if n.endswith(".pth")]
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                continue
            found += [os.path.join(folder, line.strip()) for line in lines
                      if line.strip() and not line.startswith(("#", "import ", "import\t"))]
    return [f for f in found if os.path.isdir(f)]


def _link_targets(folders):
    """Where the symbolic links among the folders' entries point: Landlock checks the target."""
    found = []
    for folder in folders:
        try:
            found += [os.path.realpath(e.path) for e in os.scandir(folder) if e.is_symlink()]
        except OSError:
            continue
    return found


def _blocked_paths(blocked):
    """Where the blocked packages lie on disk: a package's folder, or a module's file."""
    import importlib.util
    found = []
    for name in blocked:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found += [os.path.realpath(p) for p in spec.submodule_search_locations]
        elif spec.origin:
            found.append(os.path.realpath(spec.origin))
    return sorted(set(found))


def _beneath(roots, denied):
    """The fewest paths that cover ``roots`` and none of ``denied``: a tree holding a denied path is split."""
    kept = []
    for root in roots:
        if root in denied or any(_within(root, k) for k in kept):
            continue
        if not any(_within(d, root) for d in denied):
            kept = [k for k in kept if not _within(k, root)] + [root]
            continue
        try:
            entries = sorted(os.path.join(root, e) for e in os.listdir(root))
        except OSError:
            continue
        kept += _beneath([os.path.realpath(e) for e in entries if os.path.exists(e)], denied)
    return kept


def _within(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# -- in the child ---------------------------------------------------------------------------


def apply(plan):
    """Confine this process and its future children; returns what is in force, in words."""
    if not sys.platform.startswith("linux"):
        return "none: confinement needs Linux"
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    layers = []
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        layers.append("no_new_privs")
        if _mark(libc):
            layers.append("seccomp mark")
    root = os.geteuid() == 0
    if not root:
        _limit_processes()
        layers.append("process limit")
    landlock = _landlock(plan) if plan["landlock"] else None
    if landlock:
        layers.insert(0, landlock)
    if root:
        if not landlock and _become_nobody(plan):
            layers.append("user nobody")
        _drop_capabilities(libc)
        layers.append("capabilities dropped")
    if not landlock and "user nobody" not in layers:
        why = ("Landlock is not available on this kernel" if not plan["landlock"]
               else "Landlock refused the ruleset")
        return f"none: {why}; {', '.join(layers)}"
    return "; ".join(layers)


def _mark(libc):
    """Install a seccomp filter that allows every call: the kernel then marks this process tree."""
    import ctypes

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    allow = (Instruction * 1)(Instruction(0x06, 0, 0, 0x7FFF0000))  # BPF_RET | BPF_K, SECCOMP_RET_ALLOW
    program = Program(1, allow)
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0


def _landlock(plan):
    from grader.sandbox import landlock as ll
    try:
        ruleset = ll.Ruleset(plan["landlock"])
        for path in plan["read"] + [f"/proc/{os.getpid()}"]:
            try:
                ruleset.allow(path, ll.READ)
            except FileNotFoundError:
                continue  # gone since it was planned
        for path in plan["devices"]:
            ruleset.allow(path, ll.READ_FILE | ll.WRITE_FILE | ll.IOCTL_DEV)
        for path in plan["write"]:
            ruleset.allow(path, ruleset.fs)
        ruleset.restrict()
    except OSError:
        return None
    kinds = ["files"] + (["network"] if ruleset.net else []) + (
        ["signals"] if ruleset.scoped & ll.SCOPE_SIGNAL else [])
    return f"landlock ABI {ruleset.abi}: {', '.join(kinds)}"


def _limit_processes():
    """At most ``_MORE_PROCESSES`` more tasks than the machine runs now (the limit counts per user)."""
    import resource
    try:
        with open("/proc/loadavg") as handle:
            running = int(handle.read().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    limit = running + _MORE_PROCESSES
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


def _nobody_can_run(plan):
    """Whether nobody can read the interpreter and the grader, and cannot read the blocked packages."""
    readable = all(_others_may_read(p) for p in (sys.executable, os.__file__, __file__))
    return readable and not any(_others_may_read(p) for p in plan["denied"])


def _become_nobody(plan):
    """As root without Landlock: run as nobody (see ``_nobody_can_run``)."""
    if not _nobody_can_run(plan):
        return False
    for scratch in plan["write"]:
        os.chown(scratch, NOBODY, NOBODY)
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    return True


def _others_may_read(path):
    """Whether a user who is neither owner nor in the group can reach and read ``path``."""
    import stat
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts)):
        if not os.stat(os.sep.join(parts[:i]) or os.sep).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def _drop_capabilities(libc):
    import ctypes
    for cap in range(64):  # beyond the kernel's last capability, the call fails harmlessly
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: none, in two words each
    libc.capset(header, data)
