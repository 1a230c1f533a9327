"""Confinement the confined process cannot undo: Landlock, seccomp, no privileges.

A sandbox child calls `apply(policy)` on itself once it knows whose code it runs and before any of
that code runs. Every restriction here is enforced by the kernel and inherited by anything the
child starts; none can be lifted from inside. What each one stops, and what it does not, is in
README ("Learner code is untrusted").

  - no_new_privs, then (when running as root) every capability dropped and, where the files the
    child needs are readable by it, a switch to an unprivileged uid/gid (nobody);
  - Landlock (Linux ≥ 5.13, probed at run time): reads only below the policy's read paths,
    writes only below its write paths; with ABI ≥ 4 no TCP bind or connect; with ABI ≥ 6 no
    signals and no abstract UNIX sockets outside the child's own domain;
  - seccomp: a deny list of the system calls that reach outside a process's own memory and
    files (ptrace, process_vm_*, mount and the new mount API, namespaces, keyrings, bpf,
    perf_event_open, io_uring, kernel modules, …) and sockets other than AF_UNIX fail with EPERM;
  - RLIMIT_NPROC when the uid switch happened (it does not bind uid 0).

Written with ctypes against the kernel's ABI rather than a binding: the Landlock bindings on the
package index are pre-releases without the network and scope rights, and the seccomp ones need
libseccomp installed on the machine (Gradescope's images do not promise it). Linux only; on other
systems, or kernels without these features, `apply` reports what it could not do.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import resource
import stat
import struct
from dataclasses import dataclass, field

NOBODY = 65534
_libc_handle = None


def _libc():
    global _libc_handle
    if _libc_handle is None:
        _libc_handle = ctypes.CDLL(None, use_errno=True)
        _libc_handle.syscall.restype = ctypes.c_long
    return _libc_handle


def _syscall():
    return _libc().syscall


def _prctl(*args) -> int:
    return _libc().prctl(*[ctypes.c_ulong(a) for a in args])


# ------------------------------------------------------------------------------ the policy
@dataclass(frozen=True)
class Policy:
    read: tuple[str, ...] = ()  # hierarchies (folders) or single files the child may read
    write: tuple[str, ...] = ()  # hierarchies it may also write, create and delete in
    devices: tuple[str, ...] = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
    nobody_reads: bool = True  # as root, the child becomes nobody either way; this says that
    #   nobody can read what the child must read (the caller checked it with `nobody_can_read`),
    #   else the child keeps CAP_DAC_READ_SEARCH (reads past file permissions: Landlock's to limit)
    max_processes: int = 64  # RLIMIT_NPROC of the uid nobody
    landlock: bool = True  # switched off only by the hostile suite's positive controls
    seccomp: bool = True


@dataclass
class Report:
    """What `apply` did; `weaknesses` names each step that could not be applied."""
    landlock_abi: int = 0
    uid: int = -1
    weaknesses: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ Landlock
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on x86_64 and aarch64
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 16, 32, 64, 128
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK, FS_MAKE_SYM = 256, 512, 1024, 2048, 4096
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 8192, 16384, 32768
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


@functools.cache  # the running kernel's, asked once (in the zygote, before any fork)
def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when there is none (or it is disabled)."""
    if platform.system() != "Linux":
        return 0
    version = _syscall()(_CREATE_RULESET, None, ctypes.c_size_t(0),
                         ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE … MAKE_SYM
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def _landlock(policy: Policy, abi: int):
    fs = _fs_rights(abi)
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("<QQQ", fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    buf = ctypes.create_string_buffer(attr[:size], size)
    ruleset = _syscall()(_CREATE_RULESET, buf, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
        device = FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV  # a GPU is driven by ioctls
        for path, rights in ([(p, read) for p in policy.read]
                             + [(p, device) for p in policy.devices]
                             + [(p, fs) for p in policy.write]):
            _add_path_rule(ruleset, path, rights & fs)
        if _prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS (Landlock requires it)
            raise OSError(ctypes.get_errno(), "no_new_privs")
        if _syscall()(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _add_path_rule(ruleset: int, path: str, rights: int):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a folder this machine does not have
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_ONLY  # a rule on a file may only carry rights that apply to files
        rule = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd), 12)
        if _syscall()(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), rule,
                      ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------ seccomp
# x86_64 system call numbers. Denied (EPERM): what reaches other processes' memory, the mount
# table, namespaces, keyrings, the kernel itself, and io_uring (whose operations bypass this
# filter). Landlock does the files and TCP; this does what Landlock does not cover.
_DENY_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
    "pidfd_getfd": 438, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "settimeofday": 164,
    "clock_settime": 227, "adjtimex": 159, "iopl": 172, "ioperm": 173, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320,
    "quotactl": 179, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
    "setns": 308, "perf_event_open": 298, "bpf": 321, "userfaultfd": 323,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "syslog": 103, "vhangup": 153, "lookup_dcookie": 212, "fanotify_init": 300,
}
_SOCKET_X86_64 = 41
_AUDIT_ARCH_X86_64 = 0xC000003E
_SECCOMP_RET_ALLOW, _SECCOMP_RET_ERRNO, _SECCOMP_RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_AF_UNIX = 1


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def seccomp_program() -> list[bytes]:
    """The filter: right architecture, no x32 calls, the deny list, sockets AF_UNIX only."""
    eperm = _SECCOMP_RET_ERRNO | errno.EPERM
    prog = [_bpf(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
            _bpf(_JEQ_K, 1, 0, _AUDIT_ARCH_X86_64),
            _bpf(_RET_K, 0, 0, _SECCOMP_RET_KILL),
            _bpf(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
            _bpf(_JGE_K, 0, 1, 0x40000000),  # the x32 ABI: a second way to name every call
            _bpf(_RET_K, 0, 0, eperm)]
    for nr in sorted(set(_DENY_X86_64.values())):
        prog += [_bpf(_JEQ_K, 0, 1, nr), _bpf(_RET_K, 0, 0, eperm)]
    prog += [_bpf(_JEQ_K, 0, 3, _SOCKET_X86_64),
             _bpf(_LD_W_ABS, 0, 0, 16),  # seccomp_data.args[0], low half: the domain
             _bpf(_JEQ_K, 1, 0, _AF_UNIX),
             _bpf(_RET_K, 0, 0, eperm),
             _bpf(_RET_K, 0, 0, _SECCOMP_RET_ALLOW)]
    return prog


@functools.cache  # built once in the zygote; every child loads the same filter
def _seccomp_filter() -> tuple[int, bytes]:
    prog = seccomp_program()
    return len(prog), b"".join(prog)


def _seccomp():
    if platform.machine() not in ("x86_64", "AMD64"):
        raise OSError(errno.ENOSYS, f"no seccomp filter for {platform.machine()}")
    length, program = _seccomp_filter()
    filters = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(length, ctypes.cast(filters, ctypes.c_void_p))
    if _prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "no_new_privs")
    libc = _libc()
    if libc.prctl(ctypes.c_int(22), ctypes.c_ulong(2), ctypes.byref(fprog),  # PR_SET_SECCOMP,
                  ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:                 # MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp")


# ------------------------------------------------------------------------------ privileges
def readable_by_others(path: str) -> bool:
    """Can an unprivileged uid reach and read `path` (every folder above it searchable)?"""
    path = os.path.realpath(path)
    try:
        st = os.stat(path)
    except OSError:
        return True  # nothing to read there either way
    need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else 0)
    if st.st_mode & need != need:
        return False
    parent = os.path.dirname(path)
    while parent and parent != path:
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        path, parent = parent, os.path.dirname(parent)
    return True


CAP_DAC_READ_SEARCH = 2  # read any file and search any folder, whatever their permissions
_PR_CAPBSET_DROP, _PR_SET_KEEPCAPS = 24, 8


def _capset(caps: int):
    """Set this process's effective and permitted capabilities to `caps`, inheritable to none."""
    header = struct.pack("<Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    low, high = caps & 0xFFFFFFFF, caps >> 32
    data = struct.pack("<6I", low, low, 0, high, high, 0)  # (effective, permitted, inheritable) × 2
    libc = _libc()
    if libc.capset(ctypes.create_string_buffer(header, 8), ctypes.create_string_buffer(data, 24)) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _become_nobody(policy: Policy):
    """uid and gid nobody, with RLIMIT_NPROC (which never binds uid 0, whatever its capabilities).
    When nobody cannot read the interpreter or the packages (a checkout under a 0700 home), the
    child keeps one capability, CAP_DAC_READ_SEARCH: it reads past file permissions, and Landlock
    alone decides what it may read (file handles, the one way around Landlock that capability
    opens, are refused by the seccomp filter). It cannot write anything that nobody cannot."""
    keep = 0 if policy.nobody_reads else 1 << CAP_DAC_READ_SEARCH
    for cap in range(64):  # no capability can ever come back (with no_new_privs, doubly so)
        if not keep >> cap & 1 and _prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # past the last capability this kernel has
                break
            raise OSError(ctypes.get_errno(), f"dropping capability {cap} from the bounding set")
    for p in policy.write:
        os.chown(p, NOBODY, NOBODY)
    if keep and _prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "keepcaps")
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)  # every other capability goes with uid 0
    if keep:
        _capset(keep)
        _prctl(_PR_SET_KEEPCAPS, 0, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_NPROC, (policy.max_processes, policy.max_processes))


def nobody_can_read(paths) -> bool:
    """Whether a child could switch to nobody and still read (and write) these paths."""
    return all(readable_by_others(p) for p in paths)


def preview(policy: Policy) -> list[str]:
    """The weaknesses `apply` will report on this machine, known without confining anything (the
    supervisor asks before any child runs, so that a child cannot hide them)."""
    weaknesses = []
    if policy.landlock and landlock_abi() == 0:
        weaknesses.append("no Landlock on this kernel: children's files and network are not confined")
    if policy.seccomp and platform.machine() not in ("x86_64", "AMD64"):
        weaknesses.append(f"no seccomp filter for {platform.machine()}")
    return weaknesses


def warm():
    """What every child's `apply` would otherwise compute for itself: run once in the zygote."""
    _libc()
    landlock_abi()
    if platform.machine() in ("x86_64", "AMD64"):
        _seccomp_filter()


def apply(policy: Policy) -> Report:
    """Confine this process. Order matters: the uid switch and capabilities need privileges that
    no_new_privs, Landlock and seccomp then lock away."""
    report = Report(landlock_abi=landlock_abi() if policy.landlock else 0)
    if os.geteuid() == 0:
        _become_nobody(policy)
    report.uid = os.geteuid()
    if policy.landlock:
        if report.landlock_abi == 0:
            report.weaknesses.append("no Landlock on this kernel: files and network are not confined")
        else:
            _landlock(policy, report.landlock_abi)
    if policy.seccomp:
        try:
            _seccomp()
        except OSError as e:
            report.weaknesses.append(f"no seccomp filter ({e})")
    if _prctl(38, 1, 0, 0, 0) != 0:  # no_new_privs, also when nothing else could be applied
        report.weaknesses.append("no_new_privs refused")
    return report
