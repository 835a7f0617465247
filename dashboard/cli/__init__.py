"""``exchange-atlas``: one module per subcommand, assembled by :mod:`dashboard.cli.main`."""

from dashboard.cli.errors import CliError
from dashboard.cli.main import build_parser, main

__all__ = ["CliError", "build_parser", "main"]
