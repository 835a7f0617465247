"""The readers' shared report plumbing (loaders.importer): FileReport's JSON in the order
the CLI prints it for both reports, and library_warnings turning libraries' warnings into
notes and wording a reader's error with the file's name."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from dashboard.core.messages import localize
from loaders.boundaries import BoundaryReport
from loaders.errors import LoaderError
from loaders.importer import WARNINGS_LOCK, ImportReport, library_warnings

#: ``--report`` keys in the order the CLI writes them (the JSON is part of its output).
IMPORT_KEYS = [
    "file", "layer", "format", "encoding", "delimiter", "columns", "source_columns", "crs",
    "crs_confidence", "crs_evidence", "crs_scores", "rows_read", "rows_kept", "rows_dropped",
    "duplicates", "swapped", "geometries_repaired", "geometries_dropped", "outside_beijing",
    "district_mismatches", "ids_renamed", "notes", "warnings", "problems",
]  # fmt: skip
BOUNDARY_KEYS = [
    "file", "name", "format", "encoding", "columns", "source_columns", "crs",
    "crs_confidence", "crs_evidence", "crs_scores", "rows_read", "rows_kept", "rows_dropped",
    "errors", "geometries_repaired", "outside_beijing", "duplicate_ids", "empty_ids",
    "ids_generated", "overlaps", "straddling", "districts", "synthetic", "notes", "warnings",
    "problems", "ok",
]  # fmt: skip


def test_both_reports_keep_their_json_key_order():
    assert list(ImportReport(file="a.csv", layer="venues").to_dict()) == IMPORT_KEYS
    assert list(BoundaryReport(file="z.geojson", name="z").to_dict("zh")) == BOUNDARY_KEYS


def test_the_summary_terms_are_the_systems_label_and_the_confidence():
    rep = BoundaryReport(file="z.geojson", name="z", crs="gcj02", crs_confidence="high")
    assert rep.summary("en").endswith("coordinates GCJ-02 (high)")
    rep = ImportReport(file="a.csv", layer="venues", crs="bd09", crs_confidence="high")
    assert "BD-09" in rep.summary("en")


def test_warnings_become_notes_and_the_lock_is_free_again(tmp_path: Path):
    path = tmp_path / "upload-x.csv"
    with library_warnings(path, "shops.csv") as notes:
        warnings.warn(f"odd bytes in {path}", UserWarning, stacklevel=1)
        warnings.warn(f"odd bytes in {path}", UserWarning, stacklevel=1)  # the same: once
        assert notes == []  # filled when the block ends
    assert [localize(n, "en") for n in notes] == ["importer warned: odd bytes in shops.csv"]
    assert WARNINGS_LOCK.acquire(blocking=False)
    WARNINGS_LOCK.release()


@pytest.mark.parametrize("error_notes", [True, False])
def test_an_error_names_the_file_as_the_user_knows_it(tmp_path: Path, error_notes: bool):
    path = tmp_path / "upload-x.gpkg"
    with pytest.raises(LoaderError) as caught:
        with library_warnings(path, "zones.gpkg", error_notes=error_notes):
            warnings.warn("GDAL: not a database", RuntimeWarning, stacklevel=1)
            raise LoaderError(f"{path} is not a GeoPackage")
    text = str(caught.value)
    assert str(tmp_path) not in text and text.startswith("zones.gpkg is not a GeoPackage")
    assert ("GDAL: not a database" in text) is error_notes
    assert WARNINGS_LOCK.acquire(blocking=False)
    WARNINGS_LOCK.release()


def test_other_exceptions_pass_through_unchanged(tmp_path: Path):
    with pytest.raises(KeyError, match="kept"):
        with library_warnings(tmp_path / "a.csv", "a.csv"):
            raise KeyError("kept")
