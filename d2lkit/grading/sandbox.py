"""Running learner code in throwaway child processes, forked from a warm zygote.

    supervisor ──request + 2 fds──▶ zygote ──fork──▶ child (new session, limits, one job, exit)
        ▲                             │                 │
        └────── child pid, exit status┘                 └── result frame ──▶ supervisor

The zygote is forked from the supervisor right after `import torch` and before any tensor work
(forking a process whose thread pools have run can deadlock the child), so a child costs a fork,
not an `import torch`. The supervisor holds the deadline: when it passes, the child's whole process
group is killed. The zygote is a child subreaper: anything a learner spawned, even in a new
session, is reparented to it and killed after each job.
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
from dataclasses import dataclass, field

from d2lkit.grading import wire

OUTPUT_CAP = 64 * 1024
PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Limits:
    """The child's resource limits (documented in README, "Learner code is untrusted")."""
    cpu_seconds: int = 60  # CPU time; the wall-clock timeout normally fires first
    extra_address_space: int = 4 * 1024**3  # on top of what torch already maps
    file_size: int = 64 * 1024**2  # largest file the child may write
    open_files: int = 256
    threads: int = 1  # torch intra-op threads in the child


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

    def __init__(self, device: str = "cpu", limits: Limits | None = None):
        self.device = device
        self.limits = limits or Limits()
        self.sock: socket.socket | None = None
        self.zygote_pid: int | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Sandbox":
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                parent.close()
                _zygote_main(child, self.device, self.limits)
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
        self.close()
        self.start()


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


# ---------------------------------------------------------------------- zygote side
def _zygote_main(sock: socket.socket, device: str, limits: Limits):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except Exception:
        pass
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
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                _child_main(payload, result_fd, output_fd, device, limits)
            finally:
                os._exit(70)
        os.close(result_fd)
        os.close(output_fd)
        sock.sendall(struct.pack("<q", pid))
        _, status = os.waitpid(pid, 0)
        _reap_descendants()
        sock.sendall(struct.pack("<q", status))


def _reap_descendants():
    """Kill whatever the last child left behind (the subreaper inherited it) and reap it."""
    me = str(os.getpid())
    for _ in range(20):
        orphans = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
            except OSError:
                continue
            if stat.rsplit(")", 1)[-1].split()[1] == me:
                orphans.append(int(entry))
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


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child_main(payload: bytes, result_fd: int, output_fd: int, device: str, limits: Limits):
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
    result = _run_payload(payload, device)
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


def _run_payload(payload: bytes, device: str) -> dict:
    from d2lkit.grading import api, child

    api.IN_CHILD = True  # reference solutions refuse to load from here on
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
