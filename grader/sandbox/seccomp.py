"""The seccomp filter of a sandbox child: a deny-list, built here as a classic BPF program.

Landlock confines files, TCP and signals; these are the kernel's other doors,
through which two sandboxes could meet or a sandbox reach its user's state,
and which Landlock cannot shut on every kernel. Each refused call fails with
EPERM (``clone3`` with ENOSYS, so that the C library falls back to ``clone``,
whose flags the filter can read). Everything else is allowed: Python, numpy's
and TensorFlow's threads, ``fork``, pipes and ``socketpair`` inside the sandbox.

Built for x86_64 only (its syscall numbers are below); any other architecture
gets no deny filter, and ``build`` says so. A call made through another ABI on
x86_64 (i386's ``int 0x80``, x32) kills the process: the numbers below would
not mean the same calls there.
"""

import ctypes
import errno
import platform

AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000

# Why each family is refused (x86_64 numbers).
DENIED = {
    # every socket(): unix pathname and abstract sockets outside the sandbox, UDP (Landlock covers it
    # only from ABI 10), netlink, packet and raw sockets; socketpair() stays, it reaches no one
    "sockets": {"socket": 41},
    # System V IPC: segments, semaphores and queues are shared by every process of the machine
    "System V IPC": {"shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65,
                     "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71},
    # POSIX message queues live in a file system of their own, outside Landlock's rules
    "POSIX message queues": {"mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242,
                             "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245},
    # kernel keyrings: the user keyring is shared by every process of the user
    "keyrings": {"add_key": 248, "request_key": 249, "keyctl": 250},
    # reading or writing another process's memory, or taking its file descriptors
    "other processes": {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
                        "pidfd_getfd": 438},
    # new namespaces and mounts: a way out of the view the grader set up
    "namespaces and mounts": {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
                              "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430,
                              "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442},
    # io_uring runs socket and file operations that seccomp never sees
    "io_uring": {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427},
    # kernel programs, event monitors and page-fault handlers: shared kernel state, attack surface
    "kernel facilities": {"bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "fanotify_init": 300,
                          "name_to_handle_at": 303, "open_by_handle_at": 304, "lookup_dcookie": 212},
    # the machine's own state (most need a capability the child no longer has: refused all the same)
    "the machine": {"kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
                    "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
                    "quotactl": 179, "quotactl_fd": 443, "syslog": 103, "vhangup": 153, "iopl": 172,
                    "ioperm": 173, "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305,
                    "adjtimex": 159, "sethostname": 170, "setdomainname": 171},
}
_CLONE, _CLONE3, _IOCTL = 56, 435, 16
# clone() flags that make namespaces (NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET)
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
# ioctl() requests that push input into a terminal: TIOCSTI, TIOCLINUX
_TERMINAL_INJECTION = (0x5412, 0x541C)

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_KILL_PROCESS, _RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24  # offsets in struct seccomp_data (low words, little-endian)


def summary():
    """The families refused, in words, for the report and the README."""
    return ", ".join(DENIED) + ", namespaces through clone, clone3, terminal input injection"


def build():
    """The filter as a list of (code, jt, jf, k) instructions; None where it is not built for this machine."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    special = {_CLONE: "clone", _CLONE3: "enosys", _IOCTL: "ioctl"}
    targets = {**{nr: "eperm" for family in DENIED.values() for nr in family.values()}, **special}
    # Labels, resolved to jump offsets below: each jump names the instruction it goes to.
    program = [
        ("ld", _ARCH), ("jeq", AUDIT_ARCH_X86_64, "nr", "kill"),
        ("label", "nr"), ("ld", _NR), ("jge", _X32_BIT, "kill", None),
        *_search(sorted(targets.items())),
        ("label", "clone"), ("ld", _ARG0), ("jset", _CLONE_NAMESPACES, "eperm", "allow"),
        ("label", "ioctl"), ("ld", _ARG1),
        *[("jeq", request, "eperm", None) for request in _TERMINAL_INJECTION],
        ("label", "allow"), ("ret", _RET_ALLOW),
        ("label", "eperm"), ("ret", _RET_ERRNO | errno.EPERM),
        ("label", "enosys"), ("ret", _RET_ERRNO | errno.ENOSYS),
        ("label", "kill"), ("ret", _RET_KILL_PROCESS),
    ]
    return _assemble(program)


def _search(pairs, depth=0):
    """A binary search over ``(number, label)`` pairs: each call costs a few comparisons, not one per
    refused number; a number that is not there is allowed."""
    if len(pairs) <= 3:
        return [*[("jeq", nr, label, None) for nr, label in pairs], ("ret", _RET_ALLOW)]
    middle = len(pairs) // 2
    right = f"right{depth}.{pairs[middle][0]}"
    return [("jge", pairs[middle][0], right, None), *_search(pairs[:middle], depth + 1),
            ("label", right), *_search(pairs[middle:], depth + 1)]


def _assemble(program):
    where, position = {}, 0
    for item in program:
        if item[0] == "label":
            where[item[1]] = position
        else:
            position += 1
    out = []
    for item in program:
        op = item[0]
        if op == "label":
            continue
        here = len(out)
        if op == "ld":
            out.append((_LD_W_ABS, 0, 0, item[1]))
        elif op == "ret":
            out.append((_RET, 0, 0, item[1]))
        else:
            code = {"jeq": _JEQ, "jge": _JGE, "jset": _JSET}[op]
            jt, jf = (0 if label is None else where[label] - here - 1 for label in item[2:4])
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise ValueError("a seccomp jump is out of range")
            out.append((code, jt, jf, item[1]))
    return out


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def program(instructions):
    """``instructions`` as the kernel reads them (made once, in a zygote before it forks)."""
    array = (_Instruction * len(instructions))(*[_Instruction(*i) for i in instructions])
    built = _Program(len(instructions), array)
    built.keep = array  # the program points into the array
    return built


def install(libc, built):
    """Apply ``built`` (from ``program``) to this thread and its future children (``no_new_privs`` first)."""
    return libc.prctl(22, 2, ctypes.byref(built), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


MARK = program([(_RET, 0, 0, _RET_ALLOW)])  # allows every call: the kernel-kept mark of a sandbox's processes
_BUILT = build()
DENY = program(_BUILT) if _BUILT is not None else None
