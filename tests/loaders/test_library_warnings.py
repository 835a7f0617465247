"""Library warnings during an import: notes without the server's paths, and a capture
that stays correct when two imports run at once (the app serves sessions in threads)."""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings

import pytest

from loaders import importer
from loaders.errors import LoaderError
from loaders.importer import ImportOptions, import_file
from loaders.readers import RawTable


def _plain_sqlite(path):
    con = sqlite3.connect(path)
    con.execute("create table t (a integer)")
    con.commit()
    con.close()
    return path


def test_notes_and_errors_name_the_file_not_its_directory(tmp_path):
    """GDAL's warning and error quote the full path; for an upload that is the server's
    temporary directory, which means nothing to the user."""
    src = _plain_sqlite(tmp_path / "upload.gpkg")
    with pytest.raises(LoaderError) as info:
        import_file(src, ImportOptions(layer="key-locations", display_name="mine.gpkg"))
    msg = str(info.value)
    assert "warned" in msg  # the warning is still reported
    assert str(tmp_path) not in msg, msg
    assert msg.startswith("mine.gpkg could not be read") and "upload.gpkg" not in msg, msg


def test_a_truncated_kml_error_names_the_file_not_its_directory(tmp_path):
    src = tmp_path / "cut.kml"
    src.write_text(
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>A</name><Point><coordinates>116.4,39.9"
    )
    with pytest.raises(LoaderError) as info:
        import_file(src, ImportOptions(layer="key-locations"))
    assert "cut.kml" in str(info.value) and str(tmp_path) not in str(info.value)


def _state():
    return (
        list(warnings.filters),
        warnings.showwarning,
        getattr(warnings, "_showwarnmsg_impl", None),
    )


def test_two_imports_at_once_leave_the_warnings_machinery_as_it_was(tmp_path, monkeypatch):
    """catch_warnings swaps process-wide state: when a first import ended before a second
    that began after it, the second restored the first's recorder for good, so every
    later warning of the process went into a dead list (never shown, never freed)."""
    src = tmp_path / "p.csv"
    src.write_text("name,category,lon,lat\n国贸,hotel,116.45,39.90\n", encoding="utf-8")
    gate = {"first": threading.Event(), "second": threading.Event()}
    real = importer.read_source

    def slow_read(path, **kw) -> RawTable:
        raw = real(path, **kw)
        warnings.warn("a library speaks", RuntimeWarning, stacklevel=1)
        gate[threading.current_thread().name].wait(5)
        return raw

    monkeypatch.setattr(importer, "read_source", slow_read)
    before = _state()
    results = {}

    def run():
        opts = ImportOptions(layer="key-locations", crs="wgs84")
        results[threading.current_thread().name] = import_file(src, opts)

    first = threading.Thread(target=run, name="first")
    second = threading.Thread(target=run, name="second")
    first.start()
    time.sleep(0.2)
    second.start()
    time.sleep(0.2)
    gate["first"].set()
    first.join(10)
    gate["second"].set()
    second.join(10)
    assert set(results) == {"first", "second"}
    assert _state() == before
    for r in results.values():
        assert any("a library speaks" in n for n in r.report.notes), r.report.notes
