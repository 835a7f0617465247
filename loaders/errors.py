"""The one exception loaders raise for a file that cannot be used."""

from __future__ import annotations


class LoaderError(ValueError):
    """A file that cannot be imported; the message is one user-facing paragraph.

    Loaders raise it for anything the user can fix (wrong format, no coordinates,
    unsafe archive, ...). The CLI turns it into ``CliError``; the data page shows it.
    """


class CliError(Exception):
    """A user-facing command-line failure: printed as one paragraph, exit code 2.

    Defined here, at the bottom of the import order, so that ``loaders`` commands can
    raise it without importing ``dashboard``; ``dashboard.cli`` re-exports it.
    """
