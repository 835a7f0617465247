"""Inspection photos: metadata stripped, GPS read first, limits before decoding; stored
write-once by content on both stores (the ``store`` fixture: the workspace directory,
and a real PostgreSQL, read back through a local cache file)."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from loaders.photos import (
    MAX_PHOTO_BYTES,
    MAX_SIDE,
    PhotoError,
    photo_path,
    save_photo,
    store_photo,
    stored_photos,
)
from tests.loaders.conftest import snapshot

MAKE, MODEL = "AcmeCam", "Spy-9000 SN12345"


def jpeg_with_exif(
    size=(3000, 2000),
    lat=(39, 54, 27.12),
    lon=(116, 23, 4.0),
    refs=("N", "E"),
    orientation: int | None = None,
) -> bytes:
    """A real JPEG carrying camera make/model, a GPS IFD (0x8825) and an orientation."""
    im = Image.new("RGB", size, (200, 30, 30))
    im.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 4))  # a blue block top left
    exif = Image.Exif()
    exif[0x010F] = MAKE
    exif[0x0110] = MODEL
    if orientation:
        exif[0x0112] = orientation
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[3] = refs
        gps[2] = tuple(IFDRational(int(v * 100), 100) for v in lat)
        gps[4] = tuple(IFDRational(int(v * 100), 100) for v in lon)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, comment=b"secret comment", quality=90)
    return buf.getvalue()


def stored_file(path: str, home) -> Path:
    got = photo_path(path, home)
    assert got is not None, path
    return got


def test_stored_photo_has_no_metadata_and_gps_is_read(store, tmp_path):
    data = jpeg_with_exif()
    assert b"Exif" in data and MAKE.encode() in data
    photo = store_photo(data, "IMG_0001.JPG", tmp_path)
    assert photo.path.startswith("photos/") and photo.path.endswith(".jpg")
    stored = stored_file(photo.path, tmp_path)
    if store == "workspace":
        assert stored == tmp_path / photo.path
    else:  # read back from the database into the local cache
        assert stored.parents[2] == tmp_path / "cache" / "pg"
        assert not (tmp_path / "photos").exists()
    raw = stored.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == Path(photo.path).stem
    assert b"Exif" not in raw
    assert MAKE.encode() not in raw and MODEL.encode() not in raw
    assert b"secret comment" not in raw
    assert b"ICC_PROFILE" not in raw and b"http://ns.adobe.com/xap" not in raw
    with Image.open(stored) as im:
        assert im.format == "JPEG"
        assert not im.getexif()
        assert "icc_profile" not in im.info and "exif" not in im.info
        assert max(im.size) == MAX_SIDE
        assert im.size == (photo.width, photo.height) == (1600, 1067)
    assert photo.gps is not None
    lon, lat = photo.gps
    assert lat == pytest.approx(39 + 54 / 60 + 27.12 / 3600, abs=1e-6)
    assert lon == pytest.approx(116 + 23 / 60 + 4 / 3600, abs=1e-6)
    assert photo_path(photo.path, tmp_path) == stored
    assert stored_photos(tmp_path) == [photo.path]


def test_southern_western_refs_are_negative(tmp_path):
    photo = store_photo(jpeg_with_exif(size=(64, 48), refs=("S", "W")), "a.jpg", tmp_path)
    assert photo.gps is not None
    assert photo.gps[0] < 0 and photo.gps[1] < 0
    assert (photo.width, photo.height) == (64, 48)  # small photos are not enlarged


def test_no_or_invalid_gps_is_none(tmp_path):
    assert store_photo(jpeg_with_exif(lat=None), "a.jpg", tmp_path).gps is None
    bad_minutes = jpeg_with_exif(lat=(39, 75, 0), lon=(116, 0, 0))
    assert store_photo(bad_minutes, "b.jpg", tmp_path).gps is None
    zero = jpeg_with_exif(lat=(0, 0, 0), lon=(0, 0, 0))
    assert store_photo(zero, "c.jpg", tmp_path).gps is None
    im = Image.new("RGB", (10, 10))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "E"
    gps[2] = (IFDRational(39, 0), IFDRational(0, 1), IFDRational(0, 1))  # 39/0
    gps[4] = (IFDRational(116, 1), IFDRational(0, 1), IFDRational(0, 1))
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    assert store_photo(buf.getvalue(), "d.jpg", tmp_path).gps is None


def test_orientation_applied(store, tmp_path):
    # orientation 6: the camera was turned; the stored picture is upright (portrait)
    photo = store_photo(jpeg_with_exif(size=(400, 300), orientation=6), "r.jpg", tmp_path)
    assert (photo.width, photo.height) == (300, 400)
    with Image.open(stored_file(photo.path, tmp_path)) as im:
        rgb = im.convert("RGB")
        # the blue block (top left before turning 90° clockwise) is now top right
        assert rgb.getpixel((280, 20))[2] > 150
        assert rgb.getpixel((20, 20))[0] > 150


def test_same_picture_is_one_file(store, tmp_path):
    data = jpeg_with_exif(size=(200, 100))
    a = store_photo(data, "a.jpg", tmp_path)
    b = store_photo(data, "b.jpg", tmp_path)
    assert a.path == b.path
    assert stored_photos(tmp_path) == [a.path]
    if store == "workspace":
        assert len(list((tmp_path / "photos").glob("*.jpg"))) == 1
        assert not [p for p in (tmp_path / "photos").iterdir() if p.name.startswith(".")]
    else:
        assert _db_rows("SELECT count(*) FROM atlas_photos") == [(1,)]


def _db_rows(query: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    from loaders.pg import database_url

    with psycopg.connect(database_url() or "") as conn:
        return conn.execute(query.encode(), params).fetchall()  # pyright: ignore[reportArgumentType]


SAVER = """
import sys
from pathlib import Path
from loaders.photos import save_photo
data = Path(sys.argv[1]).read_bytes()
for _ in range(20):
    assert save_photo(data, Path(sys.argv[2])) == sys.argv[3]
"""


def test_writers_of_the_same_photo_at_once_store_it_once(store, tmp_path):
    import subprocess
    import sys

    jpeg = jpeg_with_exif(size=(120, 80))
    path = save_photo(jpeg, tmp_path)
    other = jpeg_with_exif(size=(121, 80))
    (tmp_path / "in.jpg").write_bytes(other)
    want = f"photos/{hashlib.sha256(other).hexdigest()}.jpg"
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-c", SAVER, str(tmp_path / "in.jpg"), str(tmp_path), want]
    procs = [subprocess.Popen(argv, cwd=root) for _ in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert stored_photos(tmp_path) == sorted([path, want])
    assert stored_file(want, tmp_path).read_bytes() == other


def test_the_database_keeps_photos_write_once_and_named_by_content(store, tmp_path):
    """Read back after the local cache is gone; the database refuses a changed photo and
    a photo under another's name."""
    if store == "workspace":
        pytest.skip("the database's own checks (the workspace: test_same_picture_is_one_file)")
    import shutil

    import psycopg

    from loaders.pg import database_url

    photo = store_photo(jpeg_with_exif(size=(64, 48)), "a.jpg", tmp_path)
    first = stored_file(photo.path, tmp_path)
    raw = first.read_bytes()
    shutil.rmtree(tmp_path / "cache")
    again = stored_file(photo.path, tmp_path)  # from the database again
    assert again == first and again.read_bytes() == raw
    assert photo_path("photos/" + "b" * 64 + ".jpg", tmp_path) is None  # not stored
    digest = Path(photo.path).stem
    with psycopg.connect(database_url() or "") as conn:
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="write-once"):
            conn.execute("UPDATE atlas_photos SET jpeg = %s WHERE digest = %s", (b"x", digest))
        conn.rollback()
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO atlas_photos (digest, jpeg) VALUES (%s, %s)", ("c" * 64, raw))
    assert _db_rows("SELECT digest FROM atlas_photos") == [(digest,)]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_accepted(store, tmp_path, fmt):
    im = Image.new("RGBA", (300, 200), (0, 128, 0, 128))
    buf = io.BytesIO()
    im.save(buf, fmt)
    photo = store_photo(buf.getvalue(), f"x.{fmt.lower()}", tmp_path)
    with Image.open(stored_file(photo.path, tmp_path)) as out:
        assert out.format == "JPEG" and out.mode == "RGB"


def test_text_file_refused(store, tmp_path):
    before = snapshot(tmp_path)
    with pytest.raises(PhotoError) as exc:
        store_photo("名称,经度\n天安门,116.39\n".encode(), "notes.csv", tmp_path)
    msg = exc.value.args[0]
    assert msg.code == "photo_not_image" and "notes.csv" in msg
    assert "图片" in msg.text("zh")
    assert not (tmp_path / "photos").exists()
    assert snapshot(tmp_path) == before and stored_photos(tmp_path) == []


def test_other_image_formats_refused(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(PhotoError, match="not an image"):
        store_photo(buf.getvalue(), "a.gif", tmp_path)


def test_truncated_jpeg_is_damaged(tmp_path):
    data = jpeg_with_exif(size=(800, 600))
    with pytest.raises(PhotoError) as exc:
        store_photo(data[: len(data) // 2], "cut.jpg", tmp_path)
    assert exc.value.args[0].code in ("photo_damaged", "photo_not_image")


def test_huge_payload_refused_before_decoding(tmp_path):
    data = b"\xff\xd8\xff" + bytes(200 * 2**20)
    start = time.perf_counter()
    with pytest.raises(PhotoError) as exc:
        store_photo(data, "huge.jpg", tmp_path)
    assert time.perf_counter() - start < 0.5
    msg = exc.value.args[0]
    assert msg.code == "photo_too_large"
    assert "200.0 MB" in msg and "15 MB" in msg
    with pytest.raises(PhotoError):
        store_photo(bytes(MAX_PHOTO_BYTES + 1), "just-over.jpg", tmp_path)


def _png_header(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` × ``height`` grey pixels, with a tiny (zero) IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [9_000, 100_000])  # refused by our cap / by Pillow's
def test_pixel_bomb_refused(tmp_path, side):
    data = _png_header(side, side)
    assert len(data) < 2000
    start = time.perf_counter()
    with pytest.raises(PhotoError) as exc:
        store_photo(data, "bomb.png", tmp_path)
    assert time.perf_counter() - start < 1.0
    assert exc.value.args[0].code == "photo_too_many_pixels"
    assert "megapixel" in exc.value.args[0]


def test_photo_path_refuses_other_paths(store, tmp_path):
    save_photo(b"not checked here", tmp_path)
    assert photo_path("../etc/passwd", tmp_path) is None
    assert photo_path("photos/../../x.jpg", tmp_path) is None
    assert photo_path("photos/" + "a" * 64 + ".jpg", tmp_path) is None  # not stored
