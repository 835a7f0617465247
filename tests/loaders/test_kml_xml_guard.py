"""KML's XML guard: every DOCTYPE is checked, wherever it stands, at the cost of the
prolog only, and a refusal inside a KMZ names the archive."""

from __future__ import annotations

import tracemalloc
import zipfile

import pytest

from dashboard.cli import main
from loaders.errors import LoaderError
from loaders.readers import check_kml_doctype

from .conftest import snapshot

PLACEMARK = (
    "<Placemark><name>国贸{i}</name><description>hotel</description>"
    "<Point><coordinates>116.459,39.9097</coordinates></Point></Placemark>"
)


def kml(doctype: str, n: int = 1, before: str = "", name: str = "") -> str:
    marks = "".join(PLACEMARK.format(i=i) for i in range(n)).replace("</name>", f"{name}</name>", 1)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{before}{doctype}\n'
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{marks}</Document></kml>\n'
    )


def test_a_doctype_after_a_long_comment_is_checked_too(tmp_path, home, capsys):
    """Only the first 64 KB were searched for a DOCTYPE: one after a long comment went to
    GDAL unchecked, whose refusal said only 'parsing aborted'."""
    src = tmp_path / "late.kml"
    comment = "<!--" + "x" * 70_000 + "-->\n"
    src.write_text(kml('<!DOCTYPE kml [<!ENTITY a "lol">]>', before=comment, name="&a;"))
    assert main(["import", str(src), "--layer", "key-locations", "--set", "category=hotel"]) == 2
    assert "late.kml declares XML entities" in capsys.readouterr().err
    assert snapshot(home) == {}


def test_a_doctype_after_a_long_comment_without_entities_imports(tmp_path, home):
    src = tmp_path / "late-ok.kml"
    src.write_text(kml("<!DOCTYPE kml>", before="<!--" + "x" * 70_000 + "-->\n"))
    assert main(["import", str(src), "--layer", "key-locations", "--set", "category=hotel"]) == 0


def test_a_refusal_inside_a_kmz_names_the_archive(tmp_path, home, capsys):
    src = tmp_path / "places.kmz"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("doc.kml", kml('<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))
    assert main(["import", str(src), "--layer", "key-locations", "--set", "category=hotel"]) == 2
    err = capsys.readouterr().err
    assert "places.kmz" in err and "doc.kml declares XML entities" in err


def test_the_check_reads_the_prolog_not_the_whole_tree(tmp_path):
    """defusedxml built the whole element tree of every KML with a DOCTYPE (about ten
    times the file in memory) only to look at its DOCTYPE."""
    src = tmp_path / "big.kml"
    src.write_text(kml("<!DOCTYPE kml>", n=20_000))
    size = src.stat().st_size
    tracemalloc.start()
    try:
        check_kml_doctype(src)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * size, f"peak {peak:,} bytes for a {size:,}-byte KML"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE kml [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE kml [<!ENTITY x SYSTEM "http://127.0.0.1:9/x" NDATA gif>]>',
        '<!DOCTYPE kml [<!ENTITY a "lol">]>',
    ],
    ids=["parameter-entity", "unparsed-entity", "internal-entity"],
)
def test_every_kind_of_entity_declaration_is_refused_by_name(tmp_path, doctype):
    src = tmp_path / "e.kml"
    src.write_text(kml(doctype))
    with pytest.raises(LoaderError, match=r"e\.kml declares XML entities"):
        check_kml_doctype(src)
