"""The bad-input corpus, generated at test time (nothing large or hostile is stored).

Each entry builds one malformed or hostile file in a directory and says what must
happen: ``fatal`` — the import fails with a message matching ``pattern`` and the
workspace is unchanged; ``partial`` — the good rows are imported, the bad ones are
reported with a message matching ``pattern``.
"""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.chinacrs import wgs84_to_gcj02
from loaders.readers import DEFAULT_MAX_BYTES

GOOD_HEAD = "名称,类型,经度,纬度\n"
GOOD_ROW = "国贸商城,购物中心,116.4590,39.9097\n"


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]
    kind: str
    pattern: str
    args: list[str] = field(default_factory=list)
    layer: str = "key-locations"
    env: dict[str, str] = field(default_factory=dict)


def _w(name: str, data: bytes | str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        p = d / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return p

    return build


def _good_xlsx() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(
        {"名称": ["国贸"], "类型": ["商场"], "经度": [116.459], "纬度": [39.9097]}
    ).to_excel(buf, index=False)
    return buf.getvalue()


def _zip(name: str, members: dict[str, bytes], symlink: str | None = None) -> Callable:
    def build(d: Path) -> Path:
        p = d / name
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
            for arc, data in members.items():
                zf.writestr(arc, data)
            if symlink:
                info = zipfile.ZipInfo(symlink)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, "/etc/passwd")
        return p

    return build


def _shapefile_parts(d: Path) -> dict[str, bytes]:
    g = gpd.GeoDataFrame(
        {"名称": ["国贸"], "类型": ["酒店"]},
        geometry=gpd.points_from_xy([116.459], [39.9097]),
        crs="EPSG:4326",
    )
    tmp = d / "_shp"
    tmp.mkdir(exist_ok=True)
    g.to_file(tmp / "p.shp")
    return {f.name: f.read_bytes() for f in tmp.iterdir()}


def _shp_zip(name: str, rename: Callable[[str], str], drop: str | None = None) -> Callable:
    def build(d: Path) -> Path:
        parts = _shapefile_parts(d)
        p = d / name
        with zipfile.ZipFile(p, "w") as zf:
            for fname, data in parts.items():
                if drop and fname.endswith(drop):
                    continue
                zf.writestr(rename(fname), data)
        return p

    return build


def _zip_bomb(d: Path) -> Path:
    p = d / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("p.shp", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                fh.write(block)
        zf.writestr("p.shx", b"\0" * 100)
        zf.writestr("p.dbf", b"\0" * 100)
    return p


def _sparse(d: Path) -> Path:
    p = d / "huge.csv"
    with open(p, "wb") as fh:
        fh.write(GOOD_HEAD.encode())
        fh.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: no disk blocks
    return p


def _geojson(features: list) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _feat(geom, **props) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": "国贸", "category": "hotel", **props},
        "geometry": geom,
    }


def _projected(d: Path) -> Path:
    p = d / "utm.csv"
    p.write_text("名称,类型,X,Y\n国贸,酒店,453520.1,4417754.2\n", encoding="utf-8")
    return p


def _gcj_as_wgs(d: Path) -> Path:
    from .conftest import ZH_DISTRICT, near_border_points, provider_export

    pts = near_border_points(200)
    df = provider_export("gcj02", pts).assign(区=pts["adcode"].map(ZH_DISTRICT))
    p = d / "gcj.csv"
    df.to_csv(p, index=False)
    return p


def _dir(d: Path) -> Path:
    p = d / "folder.csv"
    p.mkdir()
    return p


HUGE_ROWS = "甲,商场,1e308,39.9\n乙,商场,116.4,-1e308\n丙,商场,-inf,1e308\n丁,商场,1e-320,1e-320\n"


def _kml(doctype: str, name: str = "国贸商城") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><Placemark><name>{name}</name><Point><coordinates>116.459,39.9097"
        "</coordinates></Point></Placemark></Document></kml>\n"
    )


def _plain_sqlite(d: Path) -> Path:
    """An ordinary SQLite database named .gpkg (GDAL warns about its application id)."""
    p = d / "plain.gpkg"
    con = sqlite3.connect(p)
    con.execute("create table t (a integer)")
    con.execute("insert into t values (1)")
    con.commit()
    con.close()
    return p


def _late_gbk(d: Path) -> Path:
    """Over 8 MB of UTF-8 Chinese, then one GBK line: was decoded whole as GB18030."""
    p = d / "late.csv"
    rows = "".join(f"北京饭店分店{i},酒店,116.41,39.91\n" for i in range(260_000))
    p.write_bytes((GOOD_HEAD + rows).encode() + "王府井,商业街,116.41,39.91\n".encode("gbk"))
    return p


def _late_utf8(d: Path) -> Path:
    """200k GBK lines, then a UTF-8 one: beyond the old 200k-line window."""
    p = d / "late8.csv"
    rows = "".join(f"饭店{i},酒店,116.41,39.91\n" for i in range(200_005))
    p.write_bytes((GOOD_HEAD + rows).encode("gbk") + GOOD_ROW.encode())
    return p


def _chance_utf8_gbk(d: Path) -> Path:
    """A GBK file one of whose lines is valid UTF-8 by chance ('稷场' in GBK is the UTF-8
    of the rare '𢳡'): not a mixed file, it imports."""
    p = d / "chance.csv"
    rows = "名称,类型,经度,纬度\n国贸商城,购物中心,116.4590,39.9097\n稷场,hotel,116.41,39.91\n"
    p.write_bytes(rows.encode("gbk"))
    return p


def _late_big5(d: Path) -> Path:
    """More than the 2 MB detection sample of ASCII rows, then Big5 ones."""
    p = d / "lateb5.csv"
    rows = "".join(f"Hotel {i},hotel,116.41,39.91\n" for i in range(80_000))
    p.write_bytes(
        ("name,category,lon,lat\n" + rows).encode() + "臺北飯店,hotel,116.42,39.92\n".encode("big5")
    )
    return p


def _minified_mixed(d: Path) -> Path:
    """Minified GeoJSON (one line): UTF-8 features, then one in GBK."""

    def feat(name: str) -> str:
        return json.dumps(
            _feat({"type": "Point", "coordinates": [116.41, 39.91]}, name=name), ensure_ascii=False
        )

    p = d / "mini.geojson"
    utf8 = ",".join(feat(f"北京饭店分店{i}") for i in range(200)).encode()
    p.write_bytes(
        b'{"type":"FeatureCollection","features":['
        + utf8
        + b","
        + feat("王府井百货大楼").encode("gbk")
        + b"]}"
    )
    return p


x, y = wgs84_to_gcj02(116.4590, 39.9097)
CASES: list[Case] = [
    Case("empty", _w("empty.csv", b""), "fatal", "empty"),
    Case("blank", _w("blank.csv", "  \n\n \t\n"), "fatal", "no content|no header"),
    Case("header-only", _w("header.csv", GOOD_HEAD), "fatal", "no data rows"),
    Case(
        "binary",
        _w("noise.csv", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8))),
        "fatal",
        "binary",
    ),
    Case(
        "png-as-csv",
        _w("image.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64),
        "fatal",
        "binary",
    ),
    Case(
        "nul-bytes", _w("nul.csv", GOOD_HEAD + "国贸\0商城,商场,116.45,39.90\n"), "fatal", "binary"
    ),
    Case(
        "truncated-xlsx",
        lambda d: _w("t.xlsx", _good_xlsx()[:700])(d),
        "fatal",
        "could not be read|truncated|damaged",
    ),
    Case("text-named-xlsx", _w("fake.xlsx", GOOD_HEAD + GOOD_ROW), "fatal", "named like a .xlsx"),
    Case(
        "corrupt-xls",
        _w("bad.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 50),
        "fatal",
        "could not be read",
    ),
    Case(
        "truncated-geojson",
        _w("cut.geojson", _geojson([_feat({"type": "Point", "coordinates": [116.4, 39.9]})])[:-20]),
        "fatal",
        "not valid JSON",
    ),
    Case("json-not-geo", _w("x.json", b'{"hello": 1}'), "fatal", "neither GeoJSON"),
    Case("geojson-no-features", _w("none.geojson", _geojson([])), "fatal", "no features"),
    Case(
        "overpass-untagged",
        _w(
            "o.json",
            json.dumps({"elements": [{"type": "node", "id": 1, "lat": 39.9, "lon": 116.4}]}),
        ),
        "fatal",
        "no tagged elements",
    ),
    Case(
        "mixed-encodings",
        _w(
            "mixed.csv",
            (GOOD_HEAD + GOOD_ROW).encode() + "王府井,商业街,116.41,39.91\n".encode("gbk"),
        ),
        "fatal",
        "mixes text encodings",
    ),
    Case(
        "wrong-declared-encoding",
        _w("gbk.csv", (GOOD_HEAD + GOOD_ROW).encode("gbk")),
        "fatal",
        "not valid utf-8",
        ["--encoding", "utf-8"],
    ),
    Case(
        "undecodable",
        _w("junk.csv", b"name,lon,lat\n\x80\x80\xff,116.4,39.9\n"),
        "fatal",
        "no encoding",
    ),
    Case(
        "no-coordinates",
        _w("nocoord.csv", "名称,类型,地址\n国贸,商场,建国门外\n"),
        "fatal",
        "no coordinate columns",
    ),
    Case(
        "html-page",
        _w("page.csv", "<html><body><script>alert(1)</script></body></html>\n"),
        "fatal",
        "no data rows|no coordinate columns",
    ),
    Case(
        "out-of-range",
        _w("range.csv", GOOD_HEAD + "甲,商场,316.4,99.9\n乙,商场,-200,95\n"),
        "fatal",
        "out of range",
    ),
    Case(
        "non-numeric",
        _w("nan.csv", GOOD_HEAD + "甲,商场,东经116度,北纬39度\n乙,商场,abc,def\n"),
        "fatal",
        "not a number",
    ),
    Case(
        "infinite",
        _w("inf.csv", GOOD_HEAD + "甲,商场,inf,39.9\n乙,商场,nan,nan\n"),
        "fatal",
        "no usable coordinate",
    ),
    Case(
        "outside-beijing",
        _w("sh.csv", GOOD_HEAD + "外滩,商业街,121.490,31.240\n"),
        "fatal",
        "outside Beijing",
    ),
    Case("projected-undeclared", _projected, "fatal", "look projected"),
    Case(
        "invalid-wkt",
        _w("wkt.csv", "name,category,wkt\nA,hotel,POINT (116.4\nB,hotel,POLYGON ((1 2, 3\n"),
        "fatal",
        "not valid WKT",
    ),
    Case(
        "null-geometries",
        _w(
            "nullgeom.geojson", _geojson([_feat(None), _feat({"type": "Point", "coordinates": []})])
        ),
        "fatal",
        "empty or missing geometry",
    ),
    Case(
        "zip-path-traversal", _shp_zip("trav.zip", lambda f: "../../" + f), "fatal", "unsafe path"
    ),
    Case(
        "zip-absolute-path", _shp_zip("abs.zip", lambda f: "/tmp/evil/" + f), "fatal", "unsafe path"
    ),
    Case(
        "zip-symlink", _zip("link.zip", {"a.shp": b"x"}, symlink="b.shp"), "fatal", "symbolic link"
    ),
    Case("zip-bomb", _zip_bomb, "fatal", "zip bomb"),
    Case(
        "zip-over-limit",
        _zip("big.zip", {"a.csv": GOOD_HEAD.encode() + GOOD_ROW.encode() * 500}),
        "fatal",
        "would expand|over the limit",
        env={"EXCHANGE_ATLAS_MAX_IMPORT_BYTES": "4000"},
    ),
    Case("file-over-limit", _sparse, "fatal", "over the import limit"),
    Case(
        "zip-without-data",
        _zip("docs.zip", {"readme.txt": b"hello"}),
        "fatal",
        "contains no Shapefile",
    ),
    Case(
        "shapefile-missing-dbf",
        _shp_zip("nodbf.zip", lambda f: f, drop=".dbf"),
        "fatal",
        "lacks its .dbf",
    ),
    Case(
        "unknown-category",
        _w("cat.csv", GOOD_HEAD.replace("类型", "类型") + "甲,飞船,116.45,39.90\n"),
        "fatal",
        "unknown category",
    ),
    Case(
        "no-category", _w("nocat.csv", "名称,经度,纬度\n甲,116.45,39.90\n"), "fatal", "no category"
    ),
    Case(
        "payments-no-capabilities",
        # a foreign-card POS implies no capabilities (which cards and wallets varies)
        _w(
            "pay.csv",
            "名称,类型,启用日期,经度,纬度\n甲,境外银行卡受理终端,2024-01-01,116.45,39.90\n",
        ),
        "fatal",
        "no capabilities",
        layer="payments",
    ),
    Case(
        "events-bad-dates",
        _w("ev.csv", "名称,类型,开始日期,结束日期,经度,纬度\n甲,论坛,明天,后天,116.45,39.90\n"),
        "fatal",
        "not a date",
        layer="events",
    ),
    Case(
        "duplicate-columns",
        _w("dupcol.csv", "名称,名称,经度,纬度\n甲,乙,116.45,39.90\n"),
        "fatal",
        "duplicated column names",
    ),
    Case(
        "bad-crs-option",
        _w("ok.csv", GOOD_HEAD + GOOD_ROW),
        "fatal",
        "unknown coordinate system",
        ["--crs", "mars"],
    ),
    Case(
        "bad-map-option",
        _w("ok2.csv", GOOD_HEAD + GOOD_ROW),
        "fatal",
        "cannot map unknown field",
        ["--map", "colour=名称"],
    ),
    Case(
        "corrupt-gpkg",
        _w("bad.gpkg", b"SQLite format 3\x00" + b"\x01" * 200),
        "fatal",
        "could not be read",
    ),
    Case(
        "corrupt-parquet", _w("bad.parquet", b"PAR1" + b"\x00" * 100), "fatal", "could not be read"
    ),
    Case(
        "truncated-kml",
        _w(
            "cut.kml",
            '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>A</name><Point><coordinates>116.4,39.9',
        ),
        "fatal",
        "could not be read|no placemarks|no coordinate",
    ),
    Case("directory", _dir, "fatal", "is a directory"),
    Case("missing-file", lambda d: d / "nope.csv", "fatal", "does not exist"),
    # partial: the good rows go in, every bad row is named in the report
    Case(
        "swapped", _w("swap.csv", GOOD_HEAD + "国贸,商场,39.9097,116.4590\n"), "partial", "swapped"
    ),
    Case(
        "duplicated-ids",
        _w(
            "dupid.csv",
            "编号,名称,类型,经度,纬度\nA1,甲,商场,116.45,39.90\nA1,乙,商场,116.46,39.91\n",
        ),
        "partial",
        "duplicate id",
    ),
    Case(
        "duplicated-rows",
        _w("duprow.csv", GOOD_HEAD + GOOD_ROW + GOOD_ROW),
        "partial",
        "duplicate of an earlier row",
    ),
    Case(
        "html-in-names",
        _w(
            "xss.csv",
            GOOD_HEAD
            + '"<img src=x onerror=alert(1)>",商场,116.45,39.90\n'
            + "\"<script>alert('x')</script>\",商场,116.46,39.91\n",
        ),
        "partial",
        "markup",
    ),
    Case(
        "ragged-rows",
        _w("ragged.csv", GOOD_HEAD + GOOD_ROW + "甲,商场,116.45,39.90,多余,字段\n"),
        "partial",
        "wrong number of fields",
    ),
    Case(
        "self-intersecting",
        _w(
            "bow.csv",
            'name,category,wkt\nA,hotel,"POLYGON ((116.40 39.90, 116.41 39.91, '
            '116.41 39.90, 116.40 39.91, 116.40 39.90))"\n',
        ),
        "partial",
        "repaired",
    ),
    Case(
        "some-outside",
        _w("some.csv", GOOD_HEAD + GOOD_ROW + "外滩,商业街,121.490,31.240\n"),
        "partial",
        "outside Beijing",
    ),
    Case(
        "wrong-system-declared",
        _gcj_as_wgs,
        "partial",
        "evidence points to GCJ-02",
        ["--crs", "wgs84"],
    ),
    Case(
        "gcj-point",
        _w("gcj.csv", f"名称,类型,经度,纬度\n国贸,商场,{x:.6f},{y:.6f}\n"),
        "partial",
        "",
        ["--crs", "gcj02"],
    ),
    # library warnings on odd files become notes, never stderr (checked for every case)
    Case("sqlite-named-gpkg", _plain_sqlite, "fatal", "could not be read as GPKG.*pyogrio warned"),
    *[
        Case(
            f"huge-coordinates-{crs}",
            _w(f"huge-{crs}.csv", GOOD_HEAD + GOOD_ROW + HUGE_ROWS),
            "partial",
            "not a number|out of range|no usable",
            ["--crs", crs],
        )
        for crs in ("wgs84", "gcj02", "bd09", "EPSG:4490")
    ],
    # encodings are judged on the whole file, not its first megabytes
    Case(
        "gbk-line-after-8mb",
        _late_gbk,
        "fatal",
        r"late\.csv mixes text encodings: line 1 is UTF-8 but line \d{6} is not",
    ),
    Case(
        "utf8-line-after-200k-gbk-lines",
        _late_utf8,
        "fatal",
        r"mixes text encodings: line 20000\d is UTF-8",
    ),
    # KML: a DOCTYPE is fine, entities and external references are not
    Case(
        "kml-doctype",
        _w("dt.kml", _kml("<!DOCTYPE kml>")),
        "partial",
        "",
        ["--set", "category=hotel"],
    ),
    Case(
        "kml-doctype-internal-subset",
        _w(
            "sub.kml", _kml('<!DOCTYPE kml [<!ELEMENT kml ANY><!ATTLIST kml version CDATA "2.2">]>')
        ),
        "partial",
        "",
        ["--set", "category=hotel"],
    ),
    Case(
        "kml-xxe",
        _w("xxe.kml", _kml('<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;")),
        "fatal",
        "declares XML entities",
    ),
    Case(
        "kml-xxe-parameter-entity",
        _w("pe.kml", _kml('<!DOCTYPE kml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>')),
        "fatal",
        "declares XML entities|unsafe XML|not well-formed",
    ),
    Case(
        "kml-billion-laughs",
        _w(
            "lol.kml",
            _kml(
                '<!DOCTYPE kml [<!ENTITY a "lol"><!ENTITY b "'
                + "&a;" * 10
                + '"><!ENTITY c "'
                + "&b;" * 10
                + '">]>',
                "&c;",
            ),
        ),
        "fatal",
        "declares XML entities",
    ),
    Case(
        "kmz-xxe",
        _zip(
            "xxe.kmz",
            {
                "doc.kml": _kml(
                    '<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"
                ).encode()
            },
        ),
        "fatal",
        "declares XML entities",
    ),
    # encodings: bytes valid UTF-8 by chance are not evidence; the sample is where the text is
    Case("gbk-with-a-chance-utf8-line", _chance_utf8_gbk, "partial", ""),
    Case("big5-after-2mb-of-ascii", _late_big5, "partial", ""),
    Case(
        "minified-geojson-utf8-then-gbk",
        _minified_mixed,
        "fatal",
        r"mini\.geojson mixes text encodings",
    ),
    # KML: the DOCTYPE is checked wherever it stands; an external DTD is not fetched
    Case(
        "kml-entity-after-long-comment",
        _w(
            "late.kml",
            _kml("<!--" + "x" * 70_000 + '-->\n<!DOCTYPE kml [<!ENTITY a "lol">]>', "&a;"),
        ),
        "fatal",
        r"late\.kml declares XML entities",
    ),
    Case(
        "kml-unparsed-entity",
        _w(
            "ndata.kml",
            _kml('<!DOCTYPE kml [<!ENTITY e SYSTEM "http://127.0.0.1:9/e" NDATA gif>]>'),
        ),
        "fatal",
        "declares XML entities",
    ),
    Case(
        "kml-external-dtd",
        _w("ext.kml", _kml('<!DOCTYPE kml SYSTEM "file:///etc/passwd">')),
        "partial",
        "",
        ["--set", "category=hotel"],
    ),
    Case(
        "kmz-billion-laughs",
        _zip(
            "lol.kmz",
            {
                "doc.kml": _kml(
                    '<!DOCTYPE kml [<!ENTITY a "lol"><!ENTITY b "' + "&a;" * 10 + '">]>', "&b;"
                ).encode()
            },
        ),
        "fatal",
        r"lol\.kmz: doc\.kml declares XML entities",
    ),
    Case(
        "utf16-no-bom-garbage",
        _w("u16.csv", (GOOD_HEAD + GOOD_ROW).encode("utf-16-le")),
        "fatal",
        "binary|no encoding|could not",
    ),
]
