"""Streamlit glue of the Data page: the upload store, the preview records, the history panel."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard.core.i18n import STRINGS, layer_label, t
from dashboard.core.messages import error_text, localize
from dashboard.core.rights import LOCAL, Actor
from dashboard.core.safetext import md_literal
from dashboard.ui import cache, widgets
from dashboard.views import maps
from loaders import importer
from loaders.importer import ImportOptions, ImportReport, ImportResult
from loaders.workspace import Version, WorkspaceError, history
from loaders.writes import can_undo_layer, import_layer, undo_layer

#: A plain-text tooltip: deck.gl sets it with ``innerText``, so uploaded text can never
#: become markup, whatever the Streamlit version (an ``html`` tooltip would depend on the
#: component escaping interpolated values, and ``html.escape`` on top would double-escape).
TEXT_TOOLTIP = {"text": "{tt_title}\n{tt_sub}\n{tt_body}", "style": maps.TOOLTIP["style"]}


#: Prefix of the private directory an upload is written to while it is read.
UPLOAD_PREFIX = "exchange-atlas-upload-"


def read_upload(data: bytes, name: str, options: ImportOptions) -> ImportResult:
    """Read an upload with the importer; the file exists on disk only while it is read.

    The bytes are written to a private temporary directory that is removed as soon as
    the read ends, whether it succeeded or raised. The session keeps the last result
    (one per session, keyed by content and options), so a rerun with the same choices
    reads nothing again.

    Raises
    ------
    LoaderError
        When the file cannot be imported (nothing is left on disk).
    """
    key = (hashlib.sha256(data).hexdigest(), repr(options))
    cached = st.session_state.get("data_read")
    if cached is not None and cached[0] == key:
        return cached[1]
    suffix = "".join(c for c in Path(name).suffix.lower() if c.isalnum() or c == ".")[:12]
    with tempfile.TemporaryDirectory(prefix=UPLOAD_PREFIX) as d:
        path = Path(d) / f"upload{suffix}"
        path.write_bytes(data)
        result = importer.import_file(path, options)
    st.session_state["data_read"] = (key, result)
    return result


def evidence_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """The coordinate-system evidence of ``report`` for reading, labelled in ``lang``."""
    cols = ("source", "system", "strength", "text")
    rows = pd.DataFrame(report.evidence(lang), columns=list(cols))
    rows["source"] = [t(f"imp_src_{x}", lang) for x in rows["source"]]
    return rows.set_axis([t(f"imp_ev_{c}", lang) for c in cols], axis=1)


def preview_records(df: pd.DataFrame, s: dict[str, str], lang: str = "en") -> list[dict]:
    """Deck records: position, uploaded name, row number and the reason it was rejected
    (in ``lang``)."""
    return [
        {
            "lon": float(x),
            "lat": float(y),
            "tt_title": str(n),
            "tt_sub": f"{s['row']} {int(r)}",
            "tt_body": str(reason) if reason else s["kept"],
        }
        for x, y, n, r, reason in zip(
            df["lon"],
            df["lat"],
            df["name"],
            df["row"],
            df["reason_zh" if lang == "zh" else "reason"],
            strict=True,
        )
    ]


#: At most this many kept (a sample) and rejected (the first) rows on the preview map.
MAX_PREVIEW = 20_000


def preview_deck(preview: pd.DataFrame, s: dict[str, str], lang: str) -> pdk.Deck:
    """The import preview's map: the kept rows with a position (a seeded sample above
    :data:`MAX_PREVIEW`) in green and the first rejected ones in red, over the districts,
    tooltips in plain text."""
    pv = preview[np.isfinite(preview["lon"]) & np.isfinite(preview["lat"])]
    kept = pv[pv["kept"]]
    if len(kept) > MAX_PREVIEW:
        kept = kept.sample(MAX_PREVIEW, random_state=0)
    rejected = pv[~pv["kept"]].head(MAX_PREVIEW)
    kept_records, rejected_records = (preview_records(x, s, lang) for x in (kept, rejected))
    return maps.make_deck(
        [
            *cache.district_layers(lang, "all"),
            maps.scatter_layer(kept_records, "kept", [20, 150, 90, 220]),
            maps.scatter_layer(rejected_records, "rejected", [220, 30, 40, 240]),
        ],
        maps.BEIJING_VIEW,
        height=520,
        tooltip=TEXT_TOOLTIP,
    )


def problems_table(report: ImportReport, s: dict[str, str], lang: str) -> pd.DataFrame:
    """The report's problems, one row each: row, column, message in ``lang``, severity."""
    return pd.DataFrame(
        [(p.row, p.column, localize(p.message, lang), p.severity) for p in report.problems],
        columns=[s["row"], s["column"], s["message"], s["severity"]],
    )


#: The columns of a layer's version history, as the Data page shows them.
HISTORY_COLUMNS = ("name", "created", "action", "rows", "added", "source", "actor", "current")


def history_table(versions: list[Version], lang: str) -> pd.DataFrame:
    """A layer's stored versions to draw: headers and actions in ``lang`` (an action the
    app does not name stays as stored), newest last as they were made."""
    frame = pd.DataFrame([v.to_dict() for v in versions], columns=[f.name for f in fields(Version)])
    frame["action"] = [
        t(f"data_action_{a}", lang) if f"data_action_{a}" in STRINGS else a for a in frame["action"]
    ]
    return frame[list(HISTORY_COLUMNS)].rename(
        columns={c: t(f"data_h_{c}", lang) for c in HISTORY_COLUMNS}
    )


def history_section(
    layer: str, home: Path, s: dict[str, str], actor: Actor = LOCAL, lang: str = "zh"
) -> None:
    """The layer's stored versions and, for an account that may undo the version in
    effect, an undo button (the gateway checks again when it is pressed)."""
    st.subheader(f"{s['history']} · {layer_label(layer, lang)}")
    versions = history(layer, home)
    if versions:
        widgets.dataframe(history_table(versions, lang))
        if can_undo_layer(actor, layer, home) and st.button(s["undo"], key=f"undo-{layer}"):
            try:
                restored = undo_layer(actor, layer, home)
            except (WorkspaceError, PermissionError) as exc:
                st.error(md_literal(error_text(exc, lang)))
            else:
                st.success(s["undone"].format(v=restored or s["shipped"]))


def commit_import(
    actor: Actor,
    layer: str,
    result: ImportResult,
    replace: bool,
    home: Path,
    name: str,
    s: dict[str, str],
    lang: str,
) -> None:
    """Store the checked rows through the write gateway (which refuses what ``actor`` may
    not write, naming the rows), and say what happened."""
    kept = result.preview["row"].to_numpy()[result.preview["kept"].to_numpy(dtype=bool)]
    try:
        version, renamed = import_layer(
            actor,
            layer,
            result.frame,
            replace=replace,
            home=home,
            source=name,
            file=name,
            rows=kept if len(kept) == len(result.frame) else None,
        )
    except (WorkspaceError, OSError) as exc:  # PermissionDenied is an OSError
        st.error(md_literal(error_text(exc, lang)))
    else:
        st.success(s["imported"].format(v=version.name, n=f"{version.rows:,}", r=renamed))
