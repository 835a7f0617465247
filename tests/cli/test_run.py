"""``exchange-atlas run``: the Streamlit command line it starts."""

from __future__ import annotations

from dashboard.cli.run import APP, streamlit_command


def _options(cmd: list[str]) -> dict[str, str]:
    flags = cmd[cmd.index(str(APP)) + 1 :]
    return dict(zip(flags[::2], flags[1::2]))


def test_serves_the_app_on_the_address_asked_for():
    cmd = streamlit_command("127.0.0.1", 8765)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    opts = _options(cmd)
    assert opts["--server.address"] == "127.0.0.1"
    assert opts["--server.port"] == "8765"
    assert opts["--server.headless"] == "true"  # never prompts


def test_options_the_app_relies_on():
    opts = _options(streamlit_command("127.0.0.1", 8501))
    # the district outlines are served as static files (dashboard.views.maps.outline_url)
    assert opts["--server.enableStaticServing"] == "true"
    # no full garbage collection after each run: it held the GIL ~100 ms per interaction
    assert opts["--runner.postScriptGC"] == "false"
    assert opts["--browser.gatherUsageStats"] == "false"  # offline: nothing phones home


def test_runs_the_server_that_publishes_layer_data():
    """`run` starts dashboard/server.py: an st.App around app.py with the layer-data route
    (checked in a fresh interpreter: importing it switches serving on process-wide)."""
    import subprocess
    import sys

    assert APP.name == "server.py" and (APP.parent / "app.py").exists()
    code = (
        "from streamlit.web.server.app_discovery import discover_asgi_app;"
        "from pathlib import Path; import dashboard.ui.server as s, dashboard.views.served as d;"
        f"print(discover_asgi_app(Path({str(APP)!r})).is_asgi_app, s.route, d.enabled())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "/atlas-data/{name}", "True"]
