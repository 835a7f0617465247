"""The one exception loaders raise for a file that cannot be used."""

from __future__ import annotations


class LoaderError(ValueError):
    """A file that cannot be imported; the message is one user-facing paragraph.

    Loaders raise it for anything the user can fix (wrong format, no coordinates,
    unsafe archive, ...). The CLI turns it into ``CliError``; the data page shows it.
    """


class WorkspaceError(RuntimeError):
    """A store operation that cannot proceed (locked, nothing to undo, invalid data, the
    database unusable); the message is one user-facing paragraph. Raised by either store
    (the workspace and :mod:`loaders.pg`); :mod:`loaders.workspace` re-exports it."""
