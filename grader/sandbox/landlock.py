"""Linux Landlock through ctypes: a ruleset of path rules, no TCP, scoped signals and sockets.

Written here rather than taken from a binding (landlockpy was tried: it
works, but its import costs about 9 ms, twice what a sandbox child's whole
confinement may add). The rights handled are every right the running
kernel's ABI knows; what is not granted by a rule is denied.
Kernel documentation: Documentation/userspace-api/landlock.rst.
"""

import ctypes
import os
import stat

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR, IOCTL_DEV = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 15
READ = READ_FILE | READ_DIR | EXECUTE
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | 1 << 14 | IOCTL_DEV  # and truncate: a file's, not a folder's
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

# The first ABI that knows each right: bit -> ABI (file system), the same for network and scopes.
_FS_SINCE = {**{bit: 1 for bit in range(13)}, 13: 2, 14: 3, 15: 5, 16: 9}
_NET_SINCE = {0: 4, 1: 4, 2: 10, 3: 10}  # TCP bind and connect; UDP bind and send
_SCOPE_SINCE = {0: 6, 1: 6}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = None


def _syscall(number, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    result = _libc.syscall(number, *args)
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return result


def abi_version():
    """The running kernel's Landlock ABI; 0 where it has none, or it is disabled."""
    try:
        return _syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0


def _mask(since, abi):
    return sum(1 << bit for bit, first in since.items() if abi >= first)


class Ruleset:
    """Everything the ABI handles is denied but what ``allow`` grants; ``restrict`` applies it."""

    def __init__(self, abi):
        self.abi = abi
        self.fs, self.net, self.scoped = _mask(_FS_SINCE, abi), _mask(_NET_SINCE, abi), _mask(_SCOPE_SINCE, abi)
        attr = _RulesetAttr(self.fs, self.net, self.scoped)
        self.fd = _syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                           ctypes.c_uint32(0))

    def allow(self, path, access):
        """Grant ``access`` (bits; those the ABI lacks are dropped) beneath ``path``."""
        parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            if not stat.S_ISDIR(os.fstat(parent).st_mode):
                access &= _FILE_RIGHTS  # the kernel refuses folder rights on a file
            rule = _PathBeneathAttr(access & self.fs, parent)
            _syscall(_ADD_RULE, self.fd, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0))
        finally:
            os.close(parent)

    def restrict(self):
        """Apply to this thread and its future children, for good (``no_new_privs`` must be set)."""
        try:
            _syscall(_RESTRICT_SELF, self.fd, ctypes.c_uint32(0))
        finally:
            os.close(self.fd)
