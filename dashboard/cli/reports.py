"""How the CLI gives a file's report: ``--report`` written, warnings and problems on
stderr, the summary with its coordinate-system evidence on stdout.

``exchange-atlas import`` (:mod:`dashboard.cli.importing`) and ``exchange-atlas
boundaries import`` (:mod:`dashboard.cli.boundaries`) print their reports
(:class:`loaders.importer.FileReport`) with these, so the two read alike and stay so.
The wording is the report's messages and the ``imp_cli_*`` strings, in the command's
``--lang``; what is printed is part of the CLI's contract.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli.errors import CliError
from dashboard.core.i18n import t
from dashboard.core.messages import localize
from dashboard.core.model import Problem

if TYPE_CHECKING:
    from loaders.importer import FileReport


def problem_text(p: Problem, lang: str) -> str:
    """One problem for reading, in ``lang``: file, row, column and message."""
    where = p.file if p.row is None else t("imp_cli_where_row", lang, file=p.file, row=p.row)
    if p.column:
        where = t("imp_cli_where_column", lang, where=where, column=p.column)
    return t("imp_cli_problem", lang, where=where, message=localize(p.message, lang))


def error_texts(rep: FileReport, lang: str) -> list[str]:
    """The report's errors (not its warnings), each as :func:`problem_text`."""
    return [problem_text(p, lang) for p in rep.problems if p.severity == "error"]


def write_json(path: Path, data: object, *, end: str = "\n") -> None:
    """Write ``data`` as indented UTF-8 JSON, then ``end``, whole or not at all (a
    temporary file renamed into place); the folder is created when missing."""
    from loaders.workspace import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + end
    atomic_write_bytes(path, text.encode("utf-8"))


def give_report(rep: FileReport, lang: str, report: str | None, *, end: str = "\n") -> None:
    """Write ``--report`` (``report``: its path, None when not asked) as
    :meth:`FileReport.to_dict` in ``lang``, ended by ``end``; then print the report's
    warnings on stderr.

    Raises
    ------
    CliError
        When the report cannot be written (exit 2, naming the path).
    """
    if report:
        try:
            write_json(Path(report), rep.to_dict(lang), end=end)
        except OSError as exc:
            raise CliError(f"cannot write the report {report}: {exc.strerror or exc}") from None
    for w in rep.warnings:
        print(t("imp_cli_warning", lang, text=localize(w, lang)), file=sys.stderr)


def print_summary(rep: FileReport, lang: str, *lines: str) -> None:
    """Print the report's summary line, then ``lines``, then each piece of its
    coordinate-system evidence that has a text, in ``lang``."""
    print(rep.summary(lang))
    for line in lines:
        print(line)
    for e in rep.evidence(lang):
        if e.get("text"):
            print(t("imp_cli_evidence", lang, source=e["source"], text=e["text"]))
