"""The one home for making untrusted text safe in every output.

Names, addresses and even column headers in this project come from users'
files.  Whenever such text leaves the program in a format that another
program *interprets* — a spreadsheet (Excel, LibreOffice, WPS) or Streamlit's
Markdown — it passes through a function in this module first; a ``source``
becomes a link only through :func:`safe_url`.  Keep this module pure: no
Streamlit, no project imports, only pandas and the standard library.

``spreadsheet_safe`` implements the OWASP "CSV injection" defence: every
TEXT cell (and every text column name) that begins with one of
``= + - @``, tab or carriage return gets a leading apostrophe ``'`` so a
spreadsheet shows it as text instead of evaluating it as a formula.
Numeric columns are never touched (a negative number stays a number) and
missing values stay missing.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

import pandas as pd

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: What is put in front of a dangerous text cell.
ESCAPE = "'"

__all__ = [
    "CSV_OPTIONS",
    "ESCAPE",
    "csv_text",
    "FORMULA_PREFIXES",
    "md_link",
    "md_literal",
    "plain",
    "safe_cell",
    "safe_url",
    "spreadsheet_safe",
]


def safe_cell(value: object) -> object:
    """Return ``value`` made safe for a spreadsheet cell (non-strings unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return ESCAPE + value
    return value


def _safe_series(s: pd.Series) -> pd.Series:
    """Vectorised sanitising of one text-like column; returns ``s`` itself if clean."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_object_dtype(cats.dtype) or pd.api.types.is_string_dtype(cats.dtype):
            new = [safe_cell(c) for c in cats]
            if any(a is not b for a, b in zip(new, cats)):
                return s.cat.rename_categories(new)
        return s
    # .str on an object column gives NaN for non-strings (numbers, None, dicts ...),
    # <NA> for missing values in a string column: both mean "leave alone".
    mask = s.str.startswith(FORMULA_PREFIXES)
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return s
    out = s.copy()
    out[mask] = ESCAPE + s[mask].astype(str)
    return out


def _is_text_column(s: pd.Series) -> bool:
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return True
    return pd.api.types.is_object_dtype(dt) or pd.api.types.is_string_dtype(dt)


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` that is safe to write as CSV or XLSX.

    Every text cell in an object/string/categorical column and every text column
    name that begins with ``= + - @``, tab or carriage return is prefixed with
    ``'``.  Numeric, boolean and datetime columns are untouched; NA stays NA.
    The input frame is never modified.
    """
    out = df.copy(deep=False)
    cols = list(out.columns)
    for i in range(len(cols)):
        s = out.iloc[:, i]
        if _is_text_column(s):
            new = _safe_series(s)
            if new is not s:
                out.isetitem(i, new)
    if any(isinstance(c, str) and c.startswith(FORMULA_PREFIXES) for c in cols):
        out.columns = [safe_cell(c) for c in cols]
    return out


#: How every CSV is written (RFC 4180): CRLF line ends, so that a CR or LF inside a
#: cell is always quoted (with ``\n`` alone, a cell's ``\r`` was written bare and split
#: the row in spreadsheets and readers).
CSV_OPTIONS: dict = {"index": False, "lineterminator": "\r\n"}


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text, sanitised (:func:`spreadsheet_safe`), see :data:`CSV_OPTIONS`."""
    return spreadsheet_safe(df).to_csv(**CSV_OPTIONS)


# --------------------------------------------------------------------------- on screen

#: Every ASCII punctuation character: CommonMark lets each be backslash-escaped, which
#: stops emphasis, links, images, HTML, Streamlit's directives (``\:red[``) and LaTeX.
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
#: Where GFM finds links in plain text (``www.``, ``scheme://``, ``user@host``), after
#: escapes are decoded; an invisible WORD JOINER there keeps the text a text.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?=@)")
WORD_JOINER = "\u2060"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
#: Characters kept unencoded in a link target; everything else (parentheses, quotes,
#: spaces, non-ASCII) is percent-encoded, so the target cannot end the Markdown link.
_URL_SAFE = ":/?#[]@!$&*+,;=%~-._"
_HOST = re.compile(
    r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$"
)


def plain(value: object) -> str:
    """``value`` as one line of text: None/NaN/NA → "", control characters → a space."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return _CONTROL.sub(" ", str(value))


def md_literal(value: object, *, autolinks: bool = False) -> str:
    """Text that a Markdown renderer (Streamlit's labels, captions, messages, radio
    options) shows as written: no emphasis, links, images, HTML or directives.

    Streamlit's Markdown links URLs and e-mail addresses found in text even when they
    are escaped, so a WORD JOINER (U+2060, invisible) is put where one would start;
    ``autolinks=True`` leaves it out, for text that is already a link's label.
    Prefer a plain-text element (``st.text``, a table) where there is one.
    """
    text = plain(value)
    if not autolinks:
        text = _AUTOLINK.sub(WORD_JOINER, text)
    return _MD_PUNCT.sub(r"\\\1", text)


def safe_url(value: object) -> str | None:
    """An http(s) URL fit to link to, percent-encoded for a Markdown link target; None
    for anything else (other schemes, credentials in the URL, spaces, a bad host)."""
    s = plain(value).strip()
    if not s or len(s) > 2048 or any(c in s for c in ' \\"<>`^{}|'):
        return None
    try:
        parts = urlsplit(s)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc:
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not _HOST.match(ascii_host):
        return None
    port = f":{parts.port}" if parts.port is not None else ""
    s = urlunsplit(parts._replace(netloc=ascii_host + port))
    return quote(s, safe=_URL_SAFE)


def md_link(label: object, url: object) -> str:
    """A Markdown link to ``url`` labelled ``label`` when the URL is safe, else the
    label as literal text (never auto-linked)."""
    target = safe_url(url)
    if target is None:
        return md_literal(label)
    return f"[{md_literal(label, autolinks=True)}]({target})"
