"""Streamlit glue of the Data page: the upload store, the preview records, the history panel."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import maps
from dashboard.ui import md_escape
from loaders.workspace import WorkspaceError, history, undo

#: A plain-text tooltip: deck.gl sets it with ``innerText``, so uploaded text can never
#: become markup, whatever the Streamlit version (an ``html`` tooltip would depend on the
#: component escaping interpolated values, and ``html.escape`` on top would double-escape).
TEXT_TOOLTIP = {"text": "{tt_title}\n{tt_sub}\n{tt_body}", "style": maps.TOOLTIP["style"]}


def save_upload(data: bytes, name: str) -> Path:
    """Keep an upload in a private temporary directory, once per distinct content."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    store = st.session_state.setdefault("data_uploads", {})
    if digest not in store or not Path(store[digest]).exists():
        suffix = "".join(c for c in Path(name).suffix.lower() if c.isalnum() or c == ".")[:12]
        d = Path(tempfile.mkdtemp(prefix="exchange-atlas-upload-"))
        p = d / f"upload{suffix}"
        p.write_bytes(data)
        store[digest] = str(p)
    return Path(store[digest])


def preview_records(df: pd.DataFrame, s: dict[str, str]) -> list[dict]:
    """Deck records: position, uploaded name, row number and the reason it was rejected."""
    return [
        {
            "lon": float(x),
            "lat": float(y),
            "tt_title": str(n),
            "tt_sub": f"{s['row']} {int(r)}",
            "tt_body": str(reason) if reason else s["kept"],
        }
        for x, y, n, r, reason in zip(
            df["lon"], df["lat"], df["name"], df["row"], df["reason"], strict=True
        )
    ]


def history_section(layer: str, home: Path, s: dict[str, str]) -> None:
    """The layer's stored versions and an undo button."""
    st.subheader(s["history"])
    versions = history(layer, home)
    if versions:
        st.dataframe(
            pd.DataFrame([v.to_dict() for v in versions])[
                ["name", "created", "action", "rows", "added", "source", "current"]
            ],
            hide_index=True,
            width="stretch",
        )
        if st.button(s["undo"]):
            try:
                restored = undo(layer, home)
            except WorkspaceError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.success(s["undone"].format(v=restored or s["shipped"]))
