"""The files of ``deploy/`` as the tests use them: the unit's settings and its
``exchange-atlas run`` command line, and the nginx site rendered for test ports."""

from __future__ import annotations

import shlex
from pathlib import Path

from dashboard.cli.main import build_parser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "exchange-atlas.service"
SITE = DEPLOY / "nginx-exchange-atlas.conf"

#: What the site file holds that is this machine's, as shipped (each replaced in a test).
SITE_NAME = "atlas.example.org"
SITE_CERT = "/etc/ssl/exchange-atlas/fullchain.pem"
SITE_KEY = "/etc/ssl/exchange-atlas/privkey.pem"
SITE_UPSTREAM = "server 127.0.0.1:8501;"
SITE_HTTP = ("listen 80;", "listen [::]:80;")
SITE_HTTPS = ("listen 443 ssl http2;", "listen [::]:443 ssl http2;")


def unit_settings(text: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of the unit, by key (repeated keys in order), comments aside."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def unit_environment(settings: dict[str, list[str]]) -> dict[str, str]:
    """The ``Environment=`` variables of the unit."""
    env = {}
    for value in settings.get("Environment", []):
        for pair in shlex.split(value):
            k, _, v = pair.partition("=")
            env[k] = v
    return env


def run_arguments(text: str) -> list[str]:
    """The arguments of the unit's ``ExecStart`` after the program (``run …``), checked
    against the real parser of ``exchange-atlas``.

    Raises
    ------
    ValueError
        When ExecStart is not ``…/exchange-atlas run`` with options ``run`` has.
    """
    (exec_start,) = unit_settings(text)["ExecStart"]
    argv = shlex.split(exec_start)
    if not argv or Path(argv[0]).name != "exchange-atlas" or argv[1:2] != ["run"]:
        raise ValueError(f"ExecStart is not `exchange-atlas run …`: {exec_start}")
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit:
        raise ValueError(f"exchange-atlas run refuses the options of: {exec_start}") from None
    return argv[1:]


def option(args: list[str], name: str) -> str:
    """The value of ``--name`` in ``args``."""
    return args[args.index(name) + 1]


def render_site(cert: Path, key: Path, http_port: int, https_port: int, app_port: int) -> str:
    """The shipped nginx site with test ports, a test certificate and the app's port
    (IPv4 only); every replaced line must be there exactly once."""
    text = SITE.read_text(encoding="utf-8")
    swaps = {
        SITE_CERT: str(cert),
        SITE_KEY: str(key),
        SITE_UPSTREAM: f"server 127.0.0.1:{app_port};",
        SITE_HTTP[0]: f"listen 127.0.0.1:{http_port};",
        SITE_HTTP[1]: "",
        SITE_HTTPS[0]: f"listen 127.0.0.1:{https_port} ssl http2;",
        SITE_HTTPS[1]: "",
    }
    for old, new in swaps.items():
        if text.count(old) != 1:
            raise ValueError(f"{SITE.name}: expected {old!r} once, found {text.count(old)}")
        text = text.replace(old, new)
    return text.replace(SITE_NAME, "127.0.0.1")


def nginx_main(tmp: Path, site: Path, as_root: bool) -> str:
    """A main nginx.conf for a foreground nginx with everything under ``tmp``."""
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root root;\n" if as_root else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / "access.log"};
{temps}
    include {site};
}}
"""
