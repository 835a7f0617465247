"""Run an ``exchange-atlas`` command that kills itself with SIGKILL at a chosen moment.

``python tests/faults/inject.py ARGS…`` runs ``dashboard.cli.main(ARGS)`` with a Python
audit hook that counts the command's file-system steps inside the workspace
(``$EXCHANGE_ATLAS_HOME``): opening a file, creating a temporary file, a link, a
rename/replace, a removal, a new directory. Nothing of the command is replaced; the hook
only watches, and at step ``$ATLAS_KILL_AT`` (1-based) sends the process ``SIGKILL`` —
before that step is carried out, or ``$ATLAS_KILL_AFTER_MS`` milliseconds later from a
timer thread, or (``$ATLAS_KILL_AT_BYTES``) as soon as the file of that step holds that
many bytes: a moment inside the writing that follows, e.g. while Arrow writes a version
file. With ``$ATLAS_KILL_TRACE`` every step is appended to that file as
``N<TAB>event<TAB>path`` (one dry run lists the moments a test can choose from).

``python tests/faults/inject.py --serve`` is the same, started once: it imports the CLI
and the libraries its commands use, then reads one JSON line at a time on stdin, a list
of commands (``argv``, ``env``, ``stdout`` and ``stderr`` file paths), forks one child for
each (which takes that environment, installs the hook and runs ``main(argv)`` as above),
waits for all and answers one JSON line: their exit statuses (-9: killed). A kill test
then pays the interpreter's start and the imports once, not once per kill.

``python tests/faults/inject.py --loop SECONDS GO ARGS…`` imports the CLI, waits until the
file ``GO`` exists, then runs ``main(ARGS)`` again and again in one process, ``SECONDS``
apart, with no hook: a writer that a test kills from outside at a moment of its choosing,
paying the imports once (and before the moment the test lets it go).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENTS = {"open", "tempfile.mkstemp", "os.link", "os.rename", "os.remove", "os.mkdir"}


def _path(event: str, args: tuple) -> str | None:
    if not args:
        return None
    first = args[-1] if event == "os.link" or event == "os.rename" else args[0]
    if event in ("os.link", "os.rename"):
        first = args[1]  # where the link or the rename lands
    if isinstance(first, bytes):
        first = first.decode(errors="replace")
    if isinstance(first, os.PathLike):
        first = os.fspath(first)
    return first if isinstance(first, str) else None


def install() -> None:
    home = os.path.realpath(os.environ["EXCHANGE_ATLAS_HOME"])
    at = int(os.environ.get("ATLAS_KILL_AT", "0"))
    after_ms = float(os.environ.get("ATLAS_KILL_AFTER_MS", "0"))
    at_bytes = int(os.environ.get("ATLAS_KILL_AT_BYTES", "0"))
    trace_path = os.environ.get("ATLAS_KILL_TRACE")
    trace_fd = os.open(trace_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND) if trace_path else None
    state = {"n": 0, "busy": False}

    def kill() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def watch(path: str) -> None:
        """Kill as soon as ``path`` holds ``at_bytes`` bytes (while it is being written)."""
        while True:
            try:
                if os.stat(path).st_size >= at_bytes:
                    kill()
            except FileNotFoundError:
                pass
            time.sleep(0.0005)

    def hook(event: str, args: tuple) -> None:
        if event not in EVENTS or state["busy"]:
            return
        path = _path(event, args)
        if path is None:
            return
        state["busy"] = True  # the hook's own calls are not steps
        try:
            full = os.path.realpath(path)
            if not (full == home or full.startswith(home + os.sep)):
                return
            state["n"] += 1
            if trace_fd is not None:
                rel = os.path.relpath(full, home)
                os.write(trace_fd, f"{state['n']}\t{event}\t{rel}\n".encode())
            if state["n"] == at:
                if at_bytes > 0:
                    threading.Thread(target=watch, args=(full,), daemon=True).start()
                elif after_ms > 0:
                    threading.Timer(after_ms / 1000, kill).start()
                else:
                    kill()
        finally:
            state["busy"] = False

    sys.addaudithook(hook)


#: What the commands import when they run (imported by the server before it forks).
PRELOAD = (
    "dashboard.engine.layers",
    "dashboard.engine.progress",
    "loaders.importer",
    "loaders.inspection_import",
    "loaders.inspections_store",
    "loaders.targets_store",
    "loaders.writers",
    "loaders.writes",
)


def _child(job: dict) -> int:
    """In a forked child: the job's environment and output files, the hook, the command."""
    os.environ.clear()
    os.environ.update(job["env"])
    tempfile.tempdir = None  # chosen again, from the job's TMPDIR
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, fd)
        os.close(out)
    from dashboard.cli.main import main

    install()
    try:
        code = main(job["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def serve() -> None:
    """Answer each line of jobs on stdin with their exit statuses (see the module)."""
    import importlib

    from dashboard.cli.main import build_parser

    build_parser()  # every command module
    for name in PRELOAD:
        importlib.import_module(name)
    for line in sys.stdin:
        jobs = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pids = []
        for job in jobs:
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    code = _child(job)
                finally:
                    os._exit(code)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        print(json.dumps(codes), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--serve"]:
        serve()
        raise SystemExit(0)
    if sys.argv[1:2] == ["--loop"]:
        import importlib

        from dashboard.cli.main import build_parser, main

        build_parser()
        for name in PRELOAD:
            importlib.import_module(name)
        pause, go = float(sys.argv[2]), Path(sys.argv[3])
        while not go.exists():
            time.sleep(0.02)
        while True:
            main(sys.argv[4:])
            time.sleep(pause)
    install()
    from dashboard.cli.main import main

    raise SystemExit(main(sys.argv[1:]))
