"""Messages that can be read in either language: the importer's report, the targets' checks.

A :class:`Msg` *is* its English text (a ``str``: printed, joined, compared, written to
JSON as before), and it also keeps the template key and the values it was worded from,
so :func:`localize` can word it again in Chinese. The templates live in
``dashboard/core/strings/`` like every other text; a value that is itself a ``Msg`` is
worded in the same language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.core.i18n import STRINGS, t


def _word(code: str, lang: str, params: Mapping[str, object]) -> str:
    return t(code, lang, **{k: localize(v, lang) for k, v in params.items()})


class Msg(str):
    """A message worded from the template ``code`` of the strings with ``params``; as a
    ``str`` it is the English text."""

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, **params: object) -> Msg:
        if code not in STRINGS:
            raise KeyError(f"no message template {code!r} in dashboard/core/strings")
        self = super().__new__(cls, _word(code, "en", params))
        self.code = code
        self.params = dict(params)
        return self

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return _word(self.code, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep the code
        return (_rebuild, (self.code, self.params))


def _rebuild(code: str, params: dict[str, object]) -> Msg:
    return Msg(code, **params)


def localize(message: object, lang: str) -> str:
    """``message`` in ``lang`` when it is a :class:`Msg`, else its text as it is."""
    return message.text(lang) if isinstance(message, Msg) else str(message)


def error_text(exc: BaseException, lang: str) -> str:
    """The message of an exception raised with a :class:`Msg`, in ``lang``."""
    return localize(exc.args[0], lang) if len(exc.args) == 1 else str(exc)
