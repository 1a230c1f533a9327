"""Running learner code in throwaway child processes, forked from a warm zygote.

    supervisor ──request + 2 fds──▶ zygote ──fork──▶ child (new session, limits, one job, exit)
        ▲                             │                 │
        └────── child pid, exit status┘                 └── result frame ──▶ supervisor

The zygote is forked from the supervisor right after `import torch` and before any tensor work
(forking a process whose thread pools have run can deadlock the child), so a child costs a fork,
not an `import torch`. The supervisor holds the deadline: when it passes, the child's whole process
group is killed. The zygote is a child subreaper: anything a learner spawned, even in a new
session, is reparented to it and killed after each job.

The child's limits (Limits below; README "Learner code is untrusted"):
  - wall clock: the per-call `--timeout` (default 10 s), then SIGKILL to its whole process group;
    the zygote then SIGKILLs every descendant that escaped into another session (subreaper);
  - its own session and process group (setsid), SIGINT/SIGTERM/SIGPIPE at their defaults;
  - RLIMIT_CPU 60 s; RLIMIT_AS = what torch already maps + 4 GiB (CPU grading only: CUDA maps huge
    virtual ranges); RLIMIT_FSIZE 64 MiB with SIGXFSZ ignored (an oversized write fails);
    RLIMIT_NOFILE 256; RLIMIT_CORE 0; one torch thread (set in the zygote before any fork, again
    in the child);
  - descriptors: only its result pipe (fd 3) and its output file (fds 1, 2; capped at 64 KiB when
    read back); stdin is empty; the zygote's own stdio is /dev/null;
  - cwd and TMPDIR: a fresh scratch folder, deleted after the call;
  - a file guard (tripwire.FileGuard): Python-level opens, deletes, renames and truncations of the
    kit's reference solutions, the workspace's .d2lkit/ (the progress database) and other
    processes' /proc entries are refused as `forbidden`; sqlite3.connect on them too;
  - the supervisor is non-dumpable, so a same-user child cannot open /proc/<supervisor>/fd/1 or
    read its memory (this does not hold when d2lkit runs as root: then the file guard is what
    stops a Python-level attempt).
The progress database is opened only by the supervisor. A submission that gets past the guard
(native code, a spawned shell) can still damage it; the supervisor then warns and carries on
(session._safe), and the next open moves the broken file aside with a warning (progress.py).
A zygote that dies is restarted as a fresh interpreter, never re-forked from a supervisor that has
run tensor work or touched CUDA.
"""

from __future__ import annotations

import ctypes
import io
import os
import resource
import select
import signal
import socket
import struct
import sys
import tempfile
import time
from dataclasses import dataclass

from d2lkit.grading import wire
from d2lkit.grading.options import Limits

OUTPUT_CAP = 64 * 1024
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4


@dataclass
class Outcome:
    """What came back from one child."""
    result: dict | None  # the decoded result, None if the child died without one
    output: str = ""  # the learner's captured stdout/stderr (capped)
    timed_out: bool = False
    exit_status: int | None = None  # os.wait status
    duration_s: float = 0.0
    note: str = ""

    @property
    def signal(self) -> int | None:
        if self.exit_status is not None and os.WIFSIGNALED(self.exit_status):
            return os.WTERMSIG(self.exit_status)
        return None


def _send_all(sock: socket.socket, data: bytes, fds: list[int]):
    sock.sendmsg([struct.pack("<Q", len(data))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                                     struct.pack(f"{len(fds)}i", *fds))])
    sock.sendall(data)


def _recv_exact(sock_or_fd, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = (sock_or_fd.recv(min(n - got, 1 << 20)) if isinstance(sock_or_fd, socket.socket)
                 else os.read(sock_or_fd, min(n - got, 1 << 20)))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class Sandbox:
    """Supervisor side. Start it before the supervisor runs any tensor operation."""

    def __init__(self, device: str = "cpu", limits: Limits | None = None, protect=()):
        self.device = device
        self.limits = limits or Limits()
        self.protect = tuple(str(p) for p in protect)  # extra folders learner code may not open
        self.sock: socket.socket | None = None
        self.zygote_pid: int | None = None
        self._zygote_proc = None
        self.restarts = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self, spawn: bool = False) -> "Sandbox":
        """Fork the zygote from this process (it must not have run tensor work or touched CUDA
        yet), or with `spawn` start it as a fresh interpreter (after a zygote died mid-session,
        when forking this process would no longer be safe)."""
        _no_peeking()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        if spawn:
            import subprocess

            os.set_inheritable(child.fileno(), True)
            self._zygote_proc = subprocess.Popen(
                [sys.executable, "-c", "from d2lkit.grading.sandbox import _spawned_zygote; "
                 "_spawned_zygote()", str(child.fileno()), self.device, repr(vars(self.limits)),
                 repr(self.protect)],
                pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                start_new_session=False)
            child.close()
            self.sock, self.zygote_pid = parent, self._zygote_proc.pid
            return self
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                parent.close()
                _zygote_main(child, self.device, self.limits, self.protect)
            finally:
                os._exit(0)
        child.close()
        self.sock, self.zygote_pid = parent, pid
        return self

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.zygote_pid:
            try:
                os.kill(self.zygote_pid, signal.SIGKILL)
                os.waitpid(self.zygote_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.zygote_pid = None
            self._zygote_proc = None

    def __enter__(self):
        return self.start() if self.sock is None else self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ one job
    def run(self, job: dict, args=(), kwargs=None, timeout: float = 10.0) -> Outcome:
        payload = wire.encode({"job": job, "args": tuple(args), "kwargs": kwargs or {}})
        if self.sock is None:
            self.start()
        r, w = os.pipe()
        out = tempfile.TemporaryFile()
        start = time.monotonic()
        try:
            try:
                _send_all(self.sock, payload, [w, out.fileno()])
                os.close(w)
                w = -1
                (pid,) = struct.unpack("<q", _recv_exact(self.sock, 8))
            except (OSError, EOFError):
                self._restart()
                return Outcome(None, note="zygote unavailable")
            frame, timed_out = _read_frame(r, deadline=start + timeout)
            if timed_out:
                _kill_group(pid)
            try:
                (status,) = struct.unpack("<q", _recv_exact(self.sock, 8))
            except (OSError, EOFError):
                status = None
                self._restart()
            out.seek(0)
            output = out.read(OUTPUT_CAP).decode("utf-8", "replace")
            result, note = None, ""
            if frame is not None:
                try:
                    result = wire.decode(frame)
                except wire.WireError as e:
                    note = f"unreadable result: {e}"
            return Outcome(result, output, timed_out, status, time.monotonic() - start, note)
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
            out.close()

    def _restart(self):
        # this process has run tensor work (and maybe CUDA) since the first fork: start clean
        self.close()
        self.restarts += 1
        self.start(spawn=True)


def _read_frame(fd: int, deadline: float) -> tuple[bytes | None, bool]:
    """Read one length-prefixed frame before the deadline: (frame or None, timed out?)."""
    buf = bytearray()
    need = 8
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, True
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None, True
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None, False  # the child died before finishing its frame
        buf += chunk
        if need == 8 and len(buf) >= 8:
            (size,) = struct.unpack("<Q", buf[:8])
            if size > wire.MAX_MESSAGE:
                return None, False
            need = 8 + size
        if len(buf) >= need and need > 8:
            return bytes(buf[8:need]), False


def _kill_group(pid: int):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _no_peeking():
    """Make this process non-dumpable: a learner's child (same user) can then neither open
    /proc/<supervisor>/fd/1 to print fake results into d2lkit's own output, nor read the
    supervisor's memory (where expected values live) through /proc/<pid>/mem or ptrace."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except Exception:
        pass


def _spawned_zygote():
    import ast

    fd, device, limits, protect = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    import torch  # noqa: F401  - what session.py imports before its first fork
    import numpy  # noqa: F401
    from d2lkit.grading import api, child, probes  # noqa: F401
    _no_peeking()
    sock = socket.socket(fileno=int(fd))
    try:
        _zygote_main(sock, device, Limits(**ast.literal_eval(limits)), ast.literal_eval(protect))
    finally:
        os._exit(0)


# ---------------------------------------------------------------------- zygote side
def _zygote_main(sock: socket.socket, device: str, limits: Limits, protect=()):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except Exception:
        pass
    # the zygote writes nothing; nothing a child finds through /proc/<zygote>/fd reaches a terminal
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    try:  # one intra-op thread, set before any fork and before any tensor work
        import torch

        torch.set_num_threads(limits.threads)
    except Exception:
        pass
    import shutil
    while True:
        try:
            header, ancdata, _, _ = sock.recvmsg(8, socket.CMSG_SPACE(2 * 4))
        except OSError:
            return
        if len(header) < 8:
            return  # the supervisor went away
        fds = []
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += list(struct.unpack(f"{len(data) // 4}i", data[: len(data) // 4 * 4]))
        (size,) = struct.unpack("<Q", header)
        try:
            payload = _recv_exact(sock, size)
        except (OSError, EOFError):
            return
        result_fd, output_fd = fds
        scratch = tempfile.mkdtemp(prefix="d2lkit-child-")
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.chdir(scratch)  # somewhere harmless: not the workspace, not the kit
                os.environ["TMPDIR"] = scratch
                _child_main(payload, result_fd, output_fd, device, limits, protect)
            finally:
                os._exit(70)
        os.close(result_fd)
        os.close(output_fd)
        try:
            sock.sendall(struct.pack("<q", pid))
        except OSError:
            _kill_group(pid)
        _, status = os.waitpid(pid, 0)
        _reap_descendants()
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            sock.sendall(struct.pack("<q", status))
        except OSError:
            return


def _my_children() -> list[int] | None:
    """This process's children, from /proc/self/task/*/children (one read; None if missing)."""
    try:
        pids = []
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        return pids
    except OSError:
        return None


def _reap_descendants():
    """Kill whatever the last child left behind (the subreaper inherited it) and reap it; repeat,
    since killing a process reparents its own children to us."""
    for _ in range(50):
        orphans = _my_children()
        if orphans is None:  # no /proc/self/task/*/children on this kernel
            orphans = _children_by_scan()
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


def _children_by_scan() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        if stat.rsplit(")", 1)[-1].split()[1] == me:
            found.append(int(entry))
    return found


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child_main(payload: bytes, result_fd: int, output_fd: int, device: str, limits: Limits,
                protect=()):
    os.setsid()  # its own process group: the supervisor kills it as a whole
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.dup2(result_fd, 3)
    os.closerange(4, 65536)  # no inherited descriptors but its pipe and its output
    os.set_inheritable(3, False)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    sys.stdin = io.StringIO("")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    if device == "cpu":  # CUDA maps huge virtual ranges; there the GPU's own memory is the limit
        address_space = _vm_size() + limits.extra_address_space
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    import torch

    torch.set_num_threads(limits.threads)
    result = _run_payload(payload, device, protect)
    try:
        frame = wire.encode(result)
    except Exception as e:  # noqa: BLE001 - a value we cannot send is the learner's problem
        frame = wire.encode({"kind": "error", "type": type(e).__name__,
                             "message": f"result could not be sent: {e}", "frames": [],
                             "not_implemented": False})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    _write_all(3, struct.pack("<Q", len(frame)) + frame)
    os._exit(0)


def _write_all(fd: int, data: bytes):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _run_payload(payload: bytes, device: str, protect=()) -> dict:
    from d2lkit.grading import api, child

    api.IN_CHILD = True  # reference solutions refuse to load from here on
    child.PROTECTED_EXTRA = tuple(protect)
    msg = wire.decode(payload, device=device if device != "cpu" else None)
    job = msg["job"]
    args = wire.materialize(msg["args"], device)
    kwargs = wire.materialize(msg["kwargs"], device)
    probe_fn = None
    if job["op"] == "probe":
        probe_fn = _load_probe(job["probe_file"], job["probe"])
    return child.run(job, args, kwargs, probe_fn=probe_fn)


def _load_probe(path: str, name: str):
    import importlib.util

    module_name = "d2lkit_probe_" + os.path.basename(path).removesuffix(".py")
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return getattr(module, name)
