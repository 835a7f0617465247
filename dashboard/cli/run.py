"""``exchange-atlas run``: start the Streamlit app, headless and without prompts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: ``server.py`` wraps ``app.py`` in an ``st.App`` that also serves map layer data.
APP = Path(__file__).resolve().parents[1] / "server.py"


def streamlit_command(host: str, port: int, extra: list[str] | None = None) -> list[str]:
    """The ``streamlit run`` command line that serves the app on ``host:port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        # district outlines are served from dashboard/static (see dashboard.views.maps.outline_url)
        "--server.enableStaticServing",
        "true",
        # Streamlit's default full garbage collection after every run holds the GIL for
        # ~100 ms with the loaded layers in memory, delaying the run's last messages
        "--runner.postScriptGC",
        "false",
        *(extra or []),
    ]


def _run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    if args.home:
        env["EXCHANGE_ATLAS_HOME"] = str(Path(args.home).expanduser().resolve())
    if args.auth:
        env["EXCHANGE_ATLAS_AUTH"] = args.auth
    cmd = streamlit_command(args.host, args.port)
    print(f"Beijing Exchange Atlas: http://{args.host}:{args.port}", flush=True)
    os.execve(sys.executable, cmd, env)  # replaces this process; signals reach Streamlit
    return 0  # pragma: no cover


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the dashboard (Streamlit), never prompts")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.add_argument(
        "--auth",
        choices=("none", "password", "oidc"),
        help="sign-in: none (one's own machine), password (accounts of the users file), "
        "oidc (the identity provider of .streamlit/secrets.toml [auth]); default: password "
        "when the workspace has a users file with an account, else none "
        "(overrides EXCHANGE_ATLAS_AUTH)",
    )
    p.set_defaults(func=_run)
