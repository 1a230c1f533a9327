"""Running untrusted code in throwaway child processes, forked from a warm zygote.

    supervisor ──fork request + 2 fds──▶ zygote ──fork──▶ child (new session, limits)
        │  ▲                               │                 ▲ │
        │  └──── pid, later exit status ───┘                 │ │
        └──────────── request frames (one worker socket) ────┘ └── reply frames

This module runs processes and knows nothing of what they do: the caller hands it the child's
entry point ("module:function", called with a `Channel` in each child; that module's optional
`prepare()` runs once in the zygote, before it forks anything) and the modules to import before
a zygote starts. A `Worker` is one child serving many requests in turn;
the caller decides how long it lives (the engine: one exercise) and throws it away after a
timeout or a crash. The next worker is forked while the current one is busy, so getting one
costs nothing.

The zygote is forked from the supervisor right after `import torch` and before any tensor work
(forking a process whose thread pools have run can deadlock the child), so a child costs a fork,
not an `import torch`. The supervisor holds every deadline: when a request's time is up, the
child's whole process group is killed; every read from the zygote has a deadline too, and a
zygote that misses one is killed and replaced by a fresh interpreter. The zygote is a child
subreaper: anything a child leaves behind, even in a new session, is reparented to it and killed
when that child ends, for as many rounds as it takes.

A child's limits (Limits in options.py; README "Learner code is untrusted"):
  - its own session and process group (setsid), SIGINT/SIGTERM/SIGPIPE at their defaults;
  - RLIMIT_CPU; RLIMIT_AS = what torch already maps + a margin (CPU only: CUDA maps huge virtual
    ranges); RLIMIT_FSIZE with SIGXFSZ ignored (an oversized write fails); RLIMIT_NOFILE;
    RLIMIT_CORE 0; one torch thread;
  - descriptors: only its request socket (fd 3) and its output file (fds 1, 2, capped when read
    back); stdin is empty; the zygote's own stdio is /dev/null;
  - cwd and TMPDIR: a fresh scratch folder, deleted when the child ends.
Hardening steps that fail (the non-dumpable flag, the subreaper, a limit) are collected in
`Sandbox.weaknesses`; with `strict` they are an error instead.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import io
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from dataclasses import dataclass

from d2lkit.grading.options import Limits

OUTPUT_CAP = 64 * 1024  # of a child's printed output, per request
MAX_FRAME = 512 * 1024 * 1024  # a reply larger than this is not read
ZYGOTE_DEADLINE = 10.0  # seconds for the zygote to answer (a fork, an exit status)
EXIT_DEADLINE = 3.0  # seconds to wait for a dead child's exit status
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
_MSG = struct.Struct("<cqq")  # zygote → supervisor: kind (b"P" forked, b"X" exited, b"H" hello)
OVER_MEMORY = -1  # the exit status the zygote reports for a child it killed over its memory limit
MEMORY_WATCH_S = 0.1  # how often the zygote reads its live children's resident memory
_LEN = struct.Struct("<Q")


class SandboxError(RuntimeError):
    """The sandbox itself failed (never the child's fault)."""


@dataclass
class Exchange:
    """What one request to a worker gave back."""
    reply: bytes | None  # the child's reply frame, None if it died or timed out first
    output: str = ""  # what the child printed while serving this request (capped)
    timed_out: bool = False
    exit_status: int | None = None  # os.wait status, when the child died
    duration_s: float = 0.0
    note: str = ""

    @property
    def signal(self) -> int | None:
        if self.exit_status is not None and os.WIFSIGNALED(self.exit_status):
            return os.WTERMSIG(self.exit_status)
        return None

    @property
    def exit_code(self) -> int | None:
        if self.exit_status is not None and os.WIFEXITED(self.exit_status):
            return os.WEXITSTATUS(self.exit_status)
        return None

    @property
    def over_memory(self) -> bool:
        """The zygote killed the child for using more memory than its limit allows."""
        return self.exit_status == OVER_MEMORY


class Channel:
    """The child's end of its worker socket: length-prefixed frames in, frames out. A request
    may carry one file descriptor (`fd` after `recv`; the receiver owns it)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.sock = socket.socket(fileno=fd)
        self.received_fd: int | None = None

    def recv(self) -> bytes | None:
        """The next request, or None when the supervisor has closed the worker."""
        self.received_fd = None
        try:
            head = b""
            while len(head) < _LEN.size:
                data, ancdata, _, _ = self.sock.recvmsg(_LEN.size - len(head),
                                                        socket.CMSG_SPACE(4))
                if not data:
                    raise EOFError
                head += data
                for level, kind, cdata in ancdata:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS and len(cdata) >= 4:
                        self.received_fd = struct.unpack("i", cdata[:4])[0]
            return _read_exact(self.fd, _LEN.unpack(head)[0])
        except EOFError:
            return None

    def send(self, frame: bytes):
        _write_all(self.fd, _LEN.pack(len(frame)) + frame)


class Worker:
    """One child, serving requests one at a time until it is closed, times out or dies."""

    def __init__(self, sandbox: "Sandbox", sock: socket.socket, output):
        self.sandbox = sandbox
        self.sock = sock
        self.output = output
        self._pid: int | None = None
        self._read = 0  # how much of the output file earlier requests consumed
        self.alive = True
        self.reaped = False  # its exit status has been read

    @property
    def pid(self) -> int:
        if self._pid is None:
            self.sandbox._wait_for_pid(self)
        return self._pid

    def request(self, frame: bytes, timeout: float, fd: int | None = None) -> Exchange:
        """Send one request (with a file descriptor for the child, if given) and wait at most
        `timeout` seconds for its reply."""
        start = time.monotonic()
        if not self.alive:
            return Exchange(None, note="worker closed")
        try:
            header = _LEN.pack(len(frame))
            if fd is None:
                self.sock.sendall(header + frame)
            else:
                self.sock.sendmsg([header], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                              struct.pack("i", fd))])
                self.sock.sendall(frame)
        except OSError:
            pass  # the child is gone; reading says how
        reply, timed_out, note = _read_frame(self.sock, start + timeout)
        exchange = Exchange(reply, self._new_output(), timed_out, None, 0.0, note)
        if reply is None:
            self.alive = False
            try:
                if timed_out or note:
                    os.killpg(self.pid, signal.SIGKILL)
                exchange.exit_status = self.sandbox._exit_status(self, EXIT_DEADLINE)
            except (ProcessLookupError, PermissionError, SandboxError) as e:
                exchange.note = exchange.note or str(e)
            self.close()
        exchange.duration_s = time.monotonic() - start
        return exchange

    def _new_output(self) -> str:
        try:
            size = os.fstat(self.output.fileno()).st_size
            data = os.pread(self.output.fileno(), min(size - self._read, OUTPUT_CAP), self._read)
            self._read = size
            return data.decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def close(self):
        """End the child: nothing it does afterwards can matter, so it is killed outright (a
        worker whose pid has not arrived yet is killed when it does)."""
        if self.sock is None:
            return
        self.alive = False
        self.sock.close()
        self.sock = None
        self.output.close()
        if self._pid is not None:
            _kill_group(self._pid)
            self.sandbox._discard(self)


class Sandbox:
    """Supervisor side. Start it before this process runs any tensor operation."""

    def __init__(self, entry: str, *, device: str = "cpu", limits: Limits | None = None,
                 preload: tuple[str, ...] = (), strict: bool = False):
        self.entry = entry  # "package.module:function", called in the child with a Channel
        self.device = device
        self.limits = limits or Limits()
        self.preload = tuple(preload)  # imported by a zygote started as a fresh interpreter
        self.strict = strict
        self.sock: socket.socket | None = None
        self.zygote_pid: int | None = None
        self._proc = None
        self._pending: list[Worker] = []  # fork requests whose pid has not arrived yet
        self._exited: dict[int, int] = {}  # exit statuses read ahead of their use
        self._discarded: set[int] = set()  # closed workers whose exit nobody will ask for
        self._spare: Worker | None = None
        self.restarts = 0
        self.weaknesses: list[str] = []  # hardening steps that failed

    # ------------------------------------------------------------------ lifecycle
    def start(self, spawn: bool = False) -> "Sandbox":
        """Fork the zygote from this process (it must not have run tensor work or touched CUDA
        yet), or with `spawn` start it as a fresh interpreter (after a zygote died mid-session,
        when forking this process would no longer be safe)."""
        self._harden("non-dumpable supervisor", _set_dumpable(False))
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        if spawn:
            import subprocess

            os.set_inheritable(child.fileno(), True)
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from d2lkit.grading.sandbox import _spawned_zygote; "
                 "_spawned_zygote()", str(child.fileno()), self.entry, self.device,
                 repr(vars(self.limits)), repr(self.preload)],
                pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            child.close()
            self.sock, self.zygote_pid = parent, self._proc.pid
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the zygote
                try:
                    parent.close()
                    _zygote_main(child, self.entry, self.device, self.limits)
                finally:
                    os._exit(0)
            child.close()
            self.sock, self.zygote_pid = parent, pid
        kind, flags, _ = self._read_message(time.monotonic() + ZYGOTE_DEADLINE * 3)
        if kind != b"H":
            raise SandboxError("the zygote did not start")
        if flags & 1:
            self._harden("child subreaper (leftover processes may survive a child)", False)
        return self

    def _harden(self, step: str, ok: bool):
        if ok:
            return
        if self.strict:
            raise SandboxError(f"sandbox hardening failed: {step}")
        if step not in self.weaknesses:
            self.weaknesses.append(step)

    def close(self):
        """End every worker; the zygote, seeing its socket close, kills what is left of them and
        what they started, and exits (it is killed if it takes longer than a few seconds)."""
        for w in [self._spare, *self._pending]:
            if w is not None:
                w.close()
        self._spare = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.zygote_pid:
            deadline = time.monotonic() + EXIT_DEADLINE
            try:
                while os.waitpid(self.zygote_pid, os.WNOHANG) == (0, 0):
                    if time.monotonic() > deadline:
                        os.kill(self.zygote_pid, signal.SIGKILL)
                        os.waitpid(self.zygote_pid, 0)
                        break
                    time.sleep(0.005)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.zygote_pid = None
            self._proc = None
        self._pending.clear()
        self._exited.clear()
        self._discarded.clear()

    def __enter__(self):
        return self.start() if self.sock is None else self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ workers
    def worker(self) -> Worker:
        """A fresh child, ready for requests; the next one is forked at once, in the background."""
        if self.sock is None:
            self.start()
        self._drain()
        w = self._spare if self._spare is not None and self._spare.alive else self._fork()
        self._spare = self._fork()
        return w

    def _drain(self):
        """Read every message the zygote has sent so far. It must not wait for us: its socket
        buffer holds only about 140 small messages (each costs a whole buffer slot), and a zygote
        blocked on a full buffer forks nothing more."""
        try:
            while self.sock is not None and select.select([self.sock], [], [], 0)[0]:
                self._dispatch(*self._read_message(time.monotonic() + ZYGOTE_DEADLINE))
        except SandboxError:
            pass  # the zygote died and has been replaced; its workers are gone with it

    def _fork(self) -> Worker:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        output = tempfile.TemporaryFile()
        worker = Worker(self, mine, output)
        try:
            self.sock.sendmsg([b"F"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                        struct.pack("2i", theirs.fileno(), output.fileno()))])
            self._pending.append(worker)
        except OSError:
            self._restart()
            return self._fork()
        finally:
            theirs.close()
        return worker

    def _wait_for_pid(self, worker: Worker):
        """Read the zygote's answers until this worker's pid arrives (they come in order)."""
        deadline = time.monotonic() + ZYGOTE_DEADLINE
        while worker._pid is None:
            if worker not in self._pending:
                raise SandboxError("this worker's zygote is gone")
            self._dispatch(*self._read_message(deadline))

    def _exit_status(self, worker: Worker, within: float) -> int | None:
        deadline = time.monotonic() + within
        pid = worker.pid
        while pid not in self._exited:
            try:
                self._dispatch(*self._read_message(deadline))
            except SandboxError:
                return None
        worker.reaped = True
        return self._exited.pop(pid)

    def _dispatch(self, kind: bytes, pid: int, status: int):
        if kind == b"P":
            worker = self._pending.pop(0)
            worker._pid = pid
            if worker.sock is None:  # closed before its pid arrived
                _kill_group(pid)
                self._discarded.add(pid)
        elif kind == b"X":
            if pid in self._discarded:
                self._discarded.discard(pid)
            else:
                self._exited[pid] = status

    def _discard(self, worker: Worker):
        """Nobody will ask for this worker's exit status: drop it when it comes."""
        if not worker.reaped and worker._pid is not None:
            if self._exited.pop(worker._pid, None) is None:
                self._discarded.add(worker._pid)

    def _read_message(self, deadline: float) -> tuple[bytes, int, int]:
        """One message from the zygote before the deadline; a zygote that misses it is replaced."""
        try:
            data = _recv_exact(self.sock, _MSG.size, deadline)
        except (OSError, EOFError, TimeoutError) as e:
            self._restart()
            raise SandboxError(f"the zygote stopped answering ({type(e).__name__})") from None
        return _MSG.unpack(data)

    def _restart(self):
        # This process has run tensor work (and maybe CUDA) since the first fork: start clean.
        # Workers of the old zygote are dead with it.
        pending = self._pending[:]
        self._pending.clear()
        for w in pending:
            w.alive = False
        self._spare = None
        self._exited.clear()
        self._discarded.clear()
        old = self.sock
        self.sock = None
        if old is not None:
            old.close()
        if self.zygote_pid:
            try:
                os.kill(self.zygote_pid, signal.SIGKILL)
                os.waitpid(self.zygote_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.restarts += 1
        self.start(spawn=True)


def _kill_group(pid: int):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------------- framing
def _read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
            raise TimeoutError
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _read_frame(sock: socket.socket, deadline: float) -> tuple[bytes | None, bool, str]:
    """One length-prefixed frame before the deadline: (frame or None, timed out?, note)."""
    try:
        (size,) = _LEN.unpack(_recv_exact(sock, _LEN.size, deadline))
        if size > MAX_FRAME:
            return None, False, f"reply of {size} bytes refused"
        return _recv_exact(sock, size, deadline), False, ""
    except TimeoutError:
        return None, True, ""
    except (EOFError, OSError):
        return None, False, ""  # the child died before finishing its frame


def _write_all(fd: int, data: bytes):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _prctl(option: int, value: int) -> bool:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _set_dumpable(on: bool) -> bool:
    """Non-dumpable: a child of the same user can neither open /proc/<supervisor>/fd/1 to print
    into d2lkit's own output, nor read the supervisor's memory (where expected values live)."""
    return _prctl(PR_SET_DUMPABLE, int(on))


# ---------------------------------------------------------------------- zygote side
def _spawned_zygote():
    import ast

    fd, entry, device, limits, preload = sys.argv[1:6]
    for name in ast.literal_eval(preload):
        importlib.import_module(name)
    _set_dumpable(False)
    sock = socket.socket(fileno=int(fd))
    try:
        _zygote_main(sock, entry, device, Limits(**ast.literal_eval(limits)))
    finally:
        os._exit(0)


def _zygote_main(sock: socket.socket, entry: str, device: str, limits: Limits):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    subreaper = _prctl(PR_SET_CHILD_SUBREAPER, 1)
    # the zygote writes nothing; nothing a child finds through /proc/<zygote>/fd reaches a terminal
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    # Hello first: the supervisor collects its graders while this zygote finishes getting ready
    # (its first fork request simply waits in the socket until then).
    sock.sendall(_MSG.pack(b"H", 0 if subreaper else 1, 0))
    module, _, function = entry.partition(":")
    entry_module = importlib.import_module(module)
    serve = getattr(entry_module, function)
    if "torch" in sys.modules:  # one intra-op thread, set before any fork and any tensor work
        sys.modules["torch"].set_num_threads(limits.threads)
    prepare = getattr(entry_module, "prepare", None)
    if prepare is not None:  # what every child would otherwise initialise for itself, once here
        prepare()
    # Everything imported so far is shared with every child until someone writes to it; the
    # collector's passes over it would copy it page by page into each child. Frozen, it is skipped.
    gc.collect()
    gc.freeze()
    live: dict[int, tuple[int, str]] = {}  # pid → (pidfd, scratch folder)
    # RLIMIT_AS caps what a child may map, but not on a GPU, where CUDA maps far more than it
    # uses; so the zygote also watches what each child really uses, on every device
    resident_limit = _resident_bytes(os.getpid()) + limits.extra_resident
    over: set[int] = set()  # children killed for their memory
    while True:
        waiting = [sock.fileno(), *(pidfd for pidfd, _ in live.values())]
        ready, _, _ = select.select(waiting, [], [], MEMORY_WATCH_S if live else None)
        for pid in live:
            if pid not in over and _resident_bytes(pid) > resident_limit:
                over.add(pid)
                _kill_group(pid)
        for pid, (pidfd, scratch) in list(live.items()):
            if pidfd in ready:
                _, status = os.waitpid(pid, 0)
                os.close(pidfd)
                del live[pid]
                _kill_group(pid)
                _reap_orphans(keep=set(live))
                shutil.rmtree(scratch, ignore_errors=True)
                if pid in over:
                    over.discard(pid)
                    status = OVER_MEMORY
                try:
                    sock.sendall(_MSG.pack(b"X", pid, status))
                except OSError:
                    return _shutdown(live)
        if sock.fileno() not in ready:
            continue
        try:
            msg, ancdata, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(2 * 4))
        except OSError:
            return _shutdown(live)
        if not msg:
            return _shutdown(live)  # the supervisor closed the sandbox, or died
        fds = []
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += list(struct.unpack(f"{len(data) // 4}i", data[: len(data) // 4 * 4]))
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        channel_fd, output_fd = fds
        scratch = tempfile.mkdtemp(prefix="d2lkit-child-")
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                for pidfd, _ in live.values():
                    os.close(pidfd)
                os.chdir(scratch)  # somewhere harmless: not the workspace, not the kit
                os.environ["TMPDIR"] = scratch
                tempfile.tempdir = scratch  # the zygote already asked tempfile (it caches)
                _child_main(serve, channel_fd, output_fd, device, limits)
            finally:
                os._exit(70)
        os.close(channel_fd)
        os.close(output_fd)
        live[pid] = (os.pidfd_open(pid), scratch)
        try:
            sock.sendall(_MSG.pack(b"P", pid, 0))
        except OSError:
            return _shutdown(live)


def _shutdown(live: dict):
    """The supervisor is gone: end every child and everything they started, then exit."""
    for pid in live:
        _kill_group(pid)
    for pid, (pidfd, scratch) in live.items():
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(pidfd)
        shutil.rmtree(scratch, ignore_errors=True)
    _reap_orphans(keep=set())


def _my_children() -> list[int]:
    """This process's children: from /proc/self/task/*/children, else by scanning /proc."""
    try:
        pids = []
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        return pids
    except OSError:
        me, found = str(os.getpid()), []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as f:
                        stat = f.read().decode(errors="replace")
                except OSError:
                    continue
                if stat.rsplit(")", 1)[-1].split()[1] == me:
                    found.append(int(entry))
        return found


def _reap_orphans(keep: set[int]):
    """Kill and reap every child of the zygote that is not a live worker: what a finished child
    left behind (the subreaper inherited it). Repeat until none is left, since killing a process
    reparents its own children to us."""
    while True:
        orphans = [pid for pid in _my_children() if pid not in keep]
        if not orphans:
            return
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in orphans:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _resident_bytes(pid: int) -> int:
    """A process's resident memory (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child_main(serve, channel_fd: int, output_fd: int, device: str, limits: Limits):
    os.setsid()  # its own process group: the supervisor kills it as a whole
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.dup2(channel_fd, 3)
    os.closerange(4, 65536)  # no inherited descriptors but its socket and its output
    os.set_inheritable(3, False)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    sys.stdin = io.StringIO("")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    if not device.startswith("cuda"):  # CUDA maps huge virtual ranges; there GPU memory limits
        address_space = _vm_size() + limits.extra_address_space
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(limits.threads)
    serve(Channel(3), device)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - the learner may have closed them; we exit either way
        pass
    os._exit(0)
