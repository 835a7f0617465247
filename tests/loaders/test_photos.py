"""Inspection photos: metadata stripped, GPS read first, limits before decoding."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from loaders.photos import (
    MAX_PHOTO_BYTES,
    MAX_SIDE,
    PhotoError,
    photo_path,
    store_photo,
)

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


def test_stored_photo_has_no_metadata_and_gps_is_read(tmp_path):
    data = jpeg_with_exif()
    assert b"Exif" in data and MAKE.encode() in data
    photo = store_photo(data, "IMG_0001.JPG", tmp_path)
    assert photo.path.startswith("photos/") and photo.path.endswith(".jpg")
    stored = tmp_path / photo.path
    raw = stored.read_bytes()
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


def test_orientation_applied(tmp_path):
    # orientation 6: the camera was turned; the stored picture is upright (portrait)
    photo = store_photo(jpeg_with_exif(size=(400, 300), orientation=6), "r.jpg", tmp_path)
    assert (photo.width, photo.height) == (300, 400)
    with Image.open(tmp_path / photo.path) as im:
        rgb = im.convert("RGB")
        # the blue block (top left before turning 90° clockwise) is now top right
        assert rgb.getpixel((280, 20))[2] > 150
        assert rgb.getpixel((20, 20))[0] > 150


def test_same_picture_is_one_file(tmp_path):
    data = jpeg_with_exif(size=(200, 100))
    a = store_photo(data, "a.jpg", tmp_path)
    b = store_photo(data, "b.jpg", tmp_path)
    assert a.path == b.path
    assert len(list((tmp_path / "photos").glob("*.jpg"))) == 1
    assert not [p for p in (tmp_path / "photos").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_accepted(tmp_path, fmt):
    im = Image.new("RGBA", (300, 200), (0, 128, 0, 128))
    buf = io.BytesIO()
    im.save(buf, fmt)
    photo = store_photo(buf.getvalue(), f"x.{fmt.lower()}", tmp_path)
    with Image.open(tmp_path / photo.path) as out:
        assert out.format == "JPEG" and out.mode == "RGB"


def test_text_file_refused(tmp_path):
    with pytest.raises(PhotoError) as exc:
        store_photo("名称,经度\n天安门,116.39\n".encode(), "notes.csv", tmp_path)
    msg = exc.value.args[0]
    assert msg.code == "photo_not_image" and "notes.csv" in msg
    assert "图片" in msg.text("zh")
    assert not (tmp_path / "photos").exists()


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


def test_photo_path_refuses_other_paths(tmp_path):
    assert photo_path("../etc/passwd", tmp_path) is None
    assert photo_path("photos/../../x.jpg", tmp_path) is None
    assert photo_path("photos/" + "a" * 64 + ".jpg", tmp_path) is None  # not stored
