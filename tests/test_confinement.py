"""The kernel's confinement of a sandbox child, attack by attack.

Each attack runs twice on the same decoy: confined, it must fail (the decoy unchanged, the secret
unread); with confinement switched off (the test-only `confine=False`), the same code must
succeed — so that "held" means the kernel stopped it, not that the attack was broken. Attacks aim
only at files, sockets and processes the test itself creates.
"""

from __future__ import annotations

import os
import socket
import textwrap

import pytest

from d2lkit.catalogue import Exercise
from d2lkit.grading import confine
from d2lkit.grading.child import ENTRY, runtime_read_paths
from d2lkit.grading.sandbox import Sandbox
from d2lkit.grading.student import SandboxStudent
from d2lkit.paths import content_dir

pytestmark = pytest.mark.skipif(confine.landlock_abi() < 6, reason="needs Landlock ABI ≥ 6")

EXERCISE = Exercise(id="ch2.attack", chapter=2, topic="attack", section="2.1",
                    title={"en": "", "zh": ""}, points=1, functions=("attack",), forbid=(),
                    hints=(), mistakes=())


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(ENTRY) as sb:
        yield sb


def attack(tmp_path, sandbox, body: str, confined: bool, *args, audit: bool = False):
    """Run `attack(*args)` from a learner module in a child; what it returned (or raised).
    The kernel's layer is tested alone (`audit=False`: no audit hook in the child)."""
    ws = tmp_path / ("confined" if confined else "open")
    (ws / "ch02").mkdir(parents=True, exist_ok=True)
    (ws / "ch02" / "attack.py").write_text(
        "import os, socket, ctypes\n\ndef attack(*args):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    st = SandboxStudent(EXERCISE, ws, sandbox, 10.0, read=runtime_read_paths(), confine=confined,
                        audit=audit)
    try:
        return st.call("attack", *args)
    finally:
        st.close()


# posix.open, not open(): the child's Python-level file guard (a second layer) would refuse the
# kit's files first, and these tests are about the kernel's layer.
WRITE = """
    import posix
    try:
        fd = posix.open(args[0], posix.O_WRONLY | posix.O_TRUNC)
        posix.write(fd, b"overwritten")
        posix.close(fd)
        return "done"
    except OSError as e:
        return f"refused: {e.errno}"
"""


def test_writing_outside_the_scratch_folder(tmp_path, sandbox):
    decoy = tmp_path / "gradebook.db"
    decoy.write_text("the instructor's")
    assert attack(tmp_path, sandbox, WRITE, True, str(decoy)).startswith("refused")
    assert decoy.read_text() == "the instructor's"
    assert attack(tmp_path, sandbox, WRITE, False, str(decoy)) == "done"  # positive control
    assert decoy.read_text() == "overwritten"


READ = """
    import posix
    try:
        fd = posix.open(args[0], posix.O_RDONLY)
        data = posix.read(fd, 40).decode()
        posix.close(fd)
        return data
    except OSError as e:
        return f"refused: {e.errno}"
"""


def test_reading_the_reference_solutions_and_graders(tmp_path, sandbox):
    for secret in (content_dir("solutions") / "ch02" / "norms.py",
                   content_dir("grader") / "ch02" / "test_norms.py"):
        assert attack(tmp_path, sandbox, READ, True, str(secret)).startswith("refused")
        assert not attack(tmp_path, sandbox, READ, False, str(secret)).startswith("refused")


def test_reading_another_submission(tmp_path, sandbox):
    other = tmp_path / "other-student" / "ch02"
    other.mkdir(parents=True)
    (other / "attack.py").write_text("SECRET = 42\n")
    target = str(other / "attack.py")
    assert attack(tmp_path, sandbox, READ, True, target).startswith("refused")
    assert attack(tmp_path, sandbox, READ, False, target) == "SECRET = 42\n"


CONNECT = """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.connect(("127.0.0.1", args[0]))
        return "connected"
    except OSError as e:
        return f"refused: {e.errno}"
"""


def test_tcp_connect(tmp_path, sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    try:
        assert attack(tmp_path, sandbox, CONNECT, True, port).startswith("refused")
        assert attack(tmp_path, sandbox, CONNECT, False, port) == "connected"
    finally:
        server.close()


SIGNAL = """
    try:
        os.kill(args[0], 0)  # signal 0: asks whether a signal could be sent, sends nothing
        return "could signal"
    except OSError as e:
        return f"refused: {e.errno}"
"""


def test_signalling_the_supervisor(tmp_path, sandbox):
    assert attack(tmp_path, sandbox, SIGNAL, True, os.getpid()).startswith("refused")
    assert attack(tmp_path, sandbox, SIGNAL, False, os.getpid()) == "could signal"


UNSHARE = """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:  # CLONE_NEWNS: a mount namespace of its own
        return f"refused: {ctypes.get_errno()}"
    return "unshared"
"""


def test_new_namespaces_and_mounts(tmp_path, sandbox):
    assert attack(tmp_path, sandbox, UNSHARE, True).startswith("refused")
    if os.geteuid() == 0:  # only root could have done it anyway
        assert attack(tmp_path, sandbox, UNSHARE, False) == "unshared"


def test_the_workspace_progress_is_out_of_reach(tmp_path, sandbox):
    ws = tmp_path / "confined"
    (ws / ".d2lkit").mkdir(parents=True)
    db = ws / ".d2lkit" / "progress.sqlite3"
    db.write_text("rows")
    assert attack(tmp_path, sandbox, WRITE, True, str(db)).startswith("refused")
    ws_open = tmp_path / "open"
    (ws_open / ".d2lkit").mkdir(parents=True)
    db_open = ws_open / ".d2lkit" / "progress.sqlite3"
    db_open.write_text("rows")
    assert db.read_text() == "rows"
    assert attack(tmp_path, sandbox, WRITE, False, str(db_open)) == "done"  # positive control


def test_the_read_paths_hide_the_kits_content():
    paths = runtime_read_paths()
    for tree in ("solutions", "grader"):
        secret = os.path.realpath(content_dir(tree))
        assert not any(secret == p or secret.startswith(p + os.sep) for p in paths), (tree, paths)


def test_whether_an_unprivileged_user_could_read_the_files(tmp_path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    (private / "code.py").write_text("x = 1\n")
    os.chmod(private, 0o700)
    assert not confine.readable_by_others(str(private / "code.py"))
    os.chmod(private, 0o755)
    os.chmod(tmp_path, 0o755)
    assert confine.readable_by_others(str(private / "code.py")) == all(
        os.stat(p).st_mode & 0o001 for p in [*map(str, private.parents)][:-1])
    os.chmod(private, 0o700)
    assert not confine.nobody_can_read([str(private)])


IDENTITY = """
    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines()
                  if ":\t" in line)
    import posix
    children = []
    for _ in range(args[0]):
        try:
            pid = posix.fork()
        except OSError as e:
            break
        if pid == 0:
            import time
            time.sleep(3)
            posix._exit(0)
        children.append(pid)
    for pid in children:
        posix.kill(pid, 9)
        posix.waitpid(pid, 0)
    return (status["Uid"].split()[0], int(status["CapEff"].strip(), 16), len(children),
            open(args[1]).read())
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only: the uid switch")
def test_as_root_a_child_becomes_nobody_and_its_forks_are_bounded(tmp_path, sandbox):
    """Even where nobody could not read the interpreter (a checkout under a 0700 home), the child
    runs as nobody: it keeps only CAP_DAC_READ_SEARCH, so it reads what Landlock lets it read,
    and RLIMIT_NPROC (which never binds uid 0) bounds its forks."""
    mine = tmp_path / "readable"
    mine.write_text("mine")
    uid, caps, forks, text = attack(tmp_path, sandbox, IDENTITY, True, 100, str(tmp_path /
                                    "confined" / "ch02" / "attack.py"))
    assert uid == str(confine.NOBODY)
    runtime_hidden = not confine.nobody_can_read(runtime_read_paths())
    assert caps == ((1 << confine.CAP_DAC_READ_SEARCH) if runtime_hidden else 0)
    assert forks < 64 and "def attack" in text  # reads its own module; forks stop at the limit
    # positive control: unconfined, the same child is root with every capability and forks freely
    uid, caps, forks, _ = attack(tmp_path, sandbox, IDENTITY, False, 100, str(mine))
    assert uid == "0" and caps & (1 << 21) and forks == 100  # CAP_SYS_ADMIN


@pytest.mark.parametrize("body", [
    """
    import posix
    return posix.read(posix.open(args[0], posix.O_RDONLY), 10)
    """,
    """
    import io
    return io.FileIO(args[0]).read(10)
    """,
    """
    # the file guard's own original (with the second layer off there is no guard: plain open)
    return getattr(open, "__wrapped__", open)(args[0]).read(10)
    """,
])
def test_the_audit_hook_refuses_every_way_of_opening_the_kit(tmp_path, sandbox, body):
    """The second layer, checked with the kernel's layer switched off: PEP 578 audit events are
    raised by every path to open(), so the Python-level bypasses of the file guard fail too."""
    from d2lkit.grading.errors import Forbidden

    secret = str(content_dir("solutions") / "ch02" / "norms.py")
    with pytest.raises(Forbidden):
        attack(tmp_path, sandbox, body, False, secret, audit=True)
    assert attack(tmp_path, sandbox, body, False, secret)  # positive control: it reads


def test_the_audit_hook_refuses_native_calls_from_learner_code(tmp_path, sandbox):
    from d2lkit.grading.errors import Forbidden

    native = "return ctypes.CDLL(None).getpid() > 0"
    objects = "import gc\nreturn len(gc.get_objects()) > 0"
    for body in (native, objects):
        with pytest.raises(Forbidden):
            attack(tmp_path, sandbox, body, False, audit=True)
        assert attack(tmp_path, sandbox, body, False) is True  # positive control
