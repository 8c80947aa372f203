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

from grader.sandbox import seccomp  # imported before a zygote forks: its filter is built once

NOBODY = 65534
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 2, 4
_PR_SET_KEEPCAPS, _CAP_DAC_READ_SEARCH = 8, 2
_SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf",
                 "/etc/passwd", "/etc/group", "/etc/os-release", "/etc/mime.types",
                 "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/loadavg",
                 "/sys/devices/system/cpu", "/sys/fs/cgroup")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Of its own /proc entry, what the interpreter, numpy and TensorFlow read; not fd/ (its pipes), net/, task/.
_OWN_PROC = ("stat", "statm", "status", "maps", "smaps", "limits", "cgroup", "mountinfo", "mounts", "cmdline",
             "comm", "auxv", "exe", "cpuset", "sched", "oom_score_adj")
_CLONE_NEWNS, _CLONE_NEWIPC = 0x00020000, 0x08000000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
SANDBOX_UIDS = (0x60000000, 0x6FFFFFFF)  # a uid of its own per child, as root: no user has one here


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


def plan(blocked, scratch, scratch_mb=512, scratch_files=10_000, processes=512):
    """What ``apply`` needs: the paths to read and write, the blocked packages' paths, the scratch
    folder's size, and (as root) the uid of the child's own."""
    import secrets
    uid = SANDBOX_UIDS[0] + secrets.randbelow(SANDBOX_UIDS[1] - SANDBOX_UIDS[0]) if os.geteuid() == 0 else None
    return {**_read_plan(tuple(blocked)), "write": [os.path.realpath(scratch)], "landlock": landlock_abi(),
            "uid": uid, "read_by_others": _interpreter_read_by_others(), "scratch_mb": int(scratch_mb),
            "seccomp": os.environ.get("GRADE_SECCOMP") != "0",  # off only to measure what it costs
            "scratch_files": int(scratch_files), "processes": int(processes)}


@functools.lru_cache(maxsize=1)
def _interpreter_read_by_others():
    import numpy
    return all(_others_may_read(p) for p in (sys.executable, os.__file__, __file__, numpy.__file__))


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
        roots += [paths["stdlib"], paths["platstdlib"], os.path.join(prefix, "lib"),  # lib: libpython
                  os.path.join(prefix, "pyvenv.cfg")]  # what an interpreter started in the sandbox reads first
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
    """Confine this process and its future children; returns what is in force, in words.

    The order matters: namespaces and the scratch mount need the capabilities that are dropped
    afterwards; Landlock's rule for the scratch folder must name the mounted file system; the deny
    filter refuses ``unshare`` and ``mount``, so it comes after them.
    """
    if not sys.platform.startswith("linux"):
        return "none: confinement needs Linux"
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    layers = []
    root = os.geteuid() == 0
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        layers.append("no_new_privs")
    own_uid = bool(root and plan["landlock"] and plan.get("uid"))
    if root:
        layers += _namespaces(libc, plan, plan["uid"] if own_uid else 0)
    landlock = _landlock(plan) if plan["landlock"] and "no_new_privs" in layers else None
    if landlock:
        layers.insert(0, landlock)
    elif own_uid:  # Landlock refused: the child stays root (without capabilities), so the folder is root's
        own_uid = False
        os.chown(plan["write"][0], 0, 0)
    if "no_new_privs" in layers:
        deny = seccomp.DENY if plan.get("seccomp", True) else None
        if seccomp.install(libc, seccomp.MARK):
            layers.append("seccomp mark")
        if deny is not None and seccomp.install(libc, deny):
            layers.append("seccomp deny-list")
    _limit_processes(own_uid, plan.get("processes", 512))
    layers.append("process limit")
    if root:
        uid = plan["uid"] if own_uid else NOBODY if not landlock and _nobody_can_run(plan) else None
        keep = 1 << _CAP_DAC_READ_SEARCH if own_uid and not plan["read_by_others"] else 0
        _drop_root(libc, plan, uid, keep)
        layers.append("capabilities dropped")
        if uid == NOBODY:
            layers.append("user nobody")
        elif uid is not None:
            layers.append("a uid of its own" + (
                " (reading past file modes, within Landlock's rules: the interpreter is not readable "
                "by other users)" if keep else ""))
    if not landlock and "user nobody" not in layers:
        why = ("Landlock is not available on this kernel" if not plan["landlock"]
               else "Landlock refused the ruleset")
        return f"none: {why}; {', '.join(layers)}"
    return "; ".join(layers)


def _namespaces(libc, plan, uid):
    """As root: private IPC and mount namespaces, and a sized tmpfs as the scratch folder."""
    layers = []
    if libc.unshare(_CLONE_NEWIPC) == 0:
        layers.append("IPC namespace")
    if libc.unshare(_CLONE_NEWNS) != 0:
        return layers
    layers.append("mount namespace")
    scratch = plan["write"][0]
    private = libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) == 0
    options = (f"size={plan['scratch_mb']}m,nr_inodes={plan['scratch_files']},mode=0700,"
               f"uid={uid},gid={uid}").encode()
    if private and libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) == 0:
        os.chdir(scratch)  # the mounted folder, not the one beneath it
        layers.append(f"scratch tmpfs of {plan['scratch_mb']} MB, {plan['scratch_files']} files")
    return layers


def _landlock(plan):
    from grader.sandbox import landlock as ll
    try:
        ruleset = ll.Ruleset(plan["landlock"])
        own = [f"/proc/{os.getpid()}/{entry}" for entry in _OWN_PROC]
        for path in plan["read"] + own:
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


def _limit_processes(own_uid, more):
    """At most ``more`` tasks (threads too) for a sandbox with a uid of its own; otherwise that many more
    than the machine runs now (the limit counts per user, and root is exempt unless it becomes one)."""
    import resource
    running = 0
    if not own_uid:
        try:
            with open("/proc/loadavg") as handle:
                running = int(handle.read().split()[3].split("/")[1])
        except (OSError, IndexError, ValueError):
            return
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    limit = running + more
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


def _nobody_can_run(plan):
    """Whether nobody can read the interpreter and the grader, and cannot read the blocked packages."""
    readable = all(_others_may_read(p) for p in (sys.executable, os.__file__, __file__))
    return readable and not any(_others_may_read(p) for p in plan["denied"])


def _drop_root(libc, plan, uid, keep):
    """Every capability but those in the mask ``keep`` (passed on to what it executes), from every set;
    and, where ``uid`` is given, that identity for good, with the scratch folder as its own."""
    if uid is not None:
        for scratch in plan["write"]:
            os.chown(scratch, uid, uid)
    for cap in range(64):  # beyond the kernel's last capability, the call fails harmlessly
        if not keep >> cap & 1:
            libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if uid is not None:
        libc.prctl(_PR_SET_KEEPCAPS, 1 if keep else 0, 0, 0, 0)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _set_capabilities(libc, keep)
    for cap in range(64):
        if keep >> cap & 1:
            libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, cap, 0, 0)


def _others_may_read(path):
    """Whether a user who is neither owner nor in the group can reach and read ``path``."""
    import stat
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts)):
        if not os.stat(os.sep.join(parts[:i]) or os.sep).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def _set_capabilities(libc, mask):
    import ctypes
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    low, high = mask & 0xFFFFFFFF, mask >> 32
    data = (ctypes.c_uint32 * 6)(low, low, low, high, high, high)  # effective, permitted, inheritable
    libc.capset(header, data)
