"""The command line's one error type."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing command-line failure: printed as one paragraph, exit code 2."""
