"""Inspection photos: checked, re-encoded without metadata, stored once by content.

A photo from an inspector's phone carries EXIF (camera make and model, serial numbers,
time, the GPS position), an ICC profile and often XMP. The app keeps none of it: the
position is read first (it can place a new point), then the picture is decoded, turned
upright (EXIF orientation), scaled to at most :data:`MAX_SIDE` pixels on the long side
and written as a fresh JPEG that holds only pixels. Untrusted input is held to limits
before decoding: at most :data:`MAX_PHOTO_BYTES` bytes, only the JPEG/PNG/WebP (and HEIC
when ``pillow_heif`` is installed) decoders, at most :data:`MAX_PHOTO_PIXELS` pixels as
the header declares them (a decompression bomb is refused without being decoded).

Files are ``<workspace>/photos/<sha256 of the stored JPEG>.jpg``: write-once (the same
picture stored twice is one file), created whole or not at all. With a database in use
(:func:`loaders.pg.database_url`) the photos are kept in it instead
(:mod:`loaders.pg.photos`, one row per sha256, write-once) under the same relative paths,
and :func:`photo_path` reads a photo back once into
``HOME/cache/pg/<database>/photos/<sha256>.jpg``, so whatever opens the file works
unchanged.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from dashboard.core.messages import Msg
from loaders.errors import LoaderError
from loaders.pg import database_url
from loaders.workspace import atomic_write_bytes, default_home

#: Largest photo accepted (bytes), checked before anything is decoded.
MAX_PHOTO_BYTES = 15 * 2**20
#: Most pixels a photo may declare (width × height): 64 megapixels, more than any phone
#: photo of 15 MB; a larger header is refused before decoding.
MAX_PHOTO_PIXELS = 64_000_000
#: Long side of the stored picture (pixels).
MAX_SIDE = 1600
#: JPEG quality of the stored picture.
QUALITY = 85
#: Folder of the photos inside the workspace.
PHOTO_DIR = "photos"
#: EXIF tags: the GPS IFD pointer and its entries.
GPS_IFD = 0x8825
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4


def _heif_available() -> bool:
    """Register the HEIC/HEIF decoder when ``pillow_heif`` is installed (optional)."""
    try:
        mod = importlib.import_module("pillow_heif")
    except ImportError:
        return False
    mod.register_heif_opener()
    return True


HEIF = _heif_available()
#: Pillow decoders a photo may be opened with (no other format is tried).
FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", *(("HEIF",) if HEIF else ()))


class PhotoError(LoaderError):
    """A photo that cannot be stored; ``args[0]`` is a :class:`Msg` (zh and en)."""


@dataclass(frozen=True)
class StoredPhoto:
    """A stored photo: its path relative to the workspace (``photos/<sha256>.jpg``), the
    GPS position its EXIF gave as ``(lon, lat)`` in decimal degrees (None when absent
    or invalid), and the stored picture's size in pixels."""

    path: str
    gps: tuple[float, float] | None
    width: int
    height: int


def _formats_label() -> str:
    return "JPEG, PNG, WebP" + (", HEIC" if HEIF else "")


def store_photo(data: bytes, name: str, home: Path | None = None) -> StoredPhoto:
    """Check, clean and store the photo ``data`` (``name``: the file name the user knows,
    for messages); return where it is and the position it was taken at.

    Raises
    ------
    PhotoError
        Too large, not an image of an accepted format, too many pixels, or damaged.
    """
    check_size(len(data), name)
    jpeg, (width, height), gps = clean_photo(data, name)
    return StoredPhoto(save_photo(jpeg, home), gps, width, height)


def check_size(size: int, name: str) -> None:
    """Refuse a photo of ``size`` bytes before reading or decoding it.

    Raises
    ------
    PhotoError
        Over :data:`MAX_PHOTO_BYTES`, or empty.
    """
    if size > MAX_PHOTO_BYTES:
        raise PhotoError(
            Msg(
                "photo_too_large",
                name=name,
                size=f"{size / 2**20:.1f}",
                limit=f"{MAX_PHOTO_BYTES / 2**20:.0f}",
            )
        )
    if size == 0:
        raise PhotoError(Msg("photo_empty", name=name))


def save_photo(jpeg: bytes, home: Path | None = None) -> str:
    """Store the cleaned ``jpeg`` (of :func:`clean_photo`) write-once under its sha256;
    return its path relative to the workspace."""
    digest = hashlib.sha256(jpeg).hexdigest()
    if database_url():
        from loaders.pg import photos as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            pg.put(conn, digest, jpeg)  # stored before, by anyone: the same bytes
        return f"{PHOTO_DIR}/{digest}.jpg"
    folder = (home or default_home()) / PHOTO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.jpg"
    if not path.is_file():
        try:
            atomic_write_bytes(path, jpeg, exclusive=True)
        except FileExistsError:
            pass  # stored meanwhile by another writer: the same bytes (same hash)
    return f"{PHOTO_DIR}/{digest}.jpg"


def clean_photo(
    data: bytes, name: str
) -> tuple[bytes, tuple[int, int], tuple[float, float] | None]:
    """The photo re-encoded as a metadata-free JPEG, its size, and its EXIF GPS
    ``(lon, lat)``; nothing is written (:func:`save_photo` stores it).

    Raises
    ------
    PhotoError
        Too large, not an accepted image, too many pixels, or damaged.
    """
    check_size(len(data), name)
    try:
        im = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise PhotoError(
            Msg("photo_too_many_pixels", name=name, width="?", height="?", limit=_mpx())
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoError(Msg("photo_not_image", name=name, formats=_formats_label())) from None
    with im:
        w, h = im.size
        if w <= 0 or h <= 0 or w * h > MAX_PHOTO_PIXELS:
            raise PhotoError(
                Msg("photo_too_many_pixels", name=name, width=w, height=h, limit=_mpx())
            )
        try:
            exif = im.getexif()
            gps = gps_position(exif)
            if im.format == "JPEG":  # decode at a reduced scale when the photo is large
                scale = MAX_SIDE / max(w, h)
                if scale < 1:
                    im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
            im.load()
            icc = im.info.get("icc_profile")
            upright = ImageOps.exif_transpose(im)
            rgb = _to_srgb(upright, icc)
        except Image.DecompressionBombError:
            raise PhotoError(
                Msg("photo_too_many_pixels", name=name, width=w, height=h, limit=_mpx())
            ) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise PhotoError(Msg("photo_damaged", name=name)) from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # a fresh image holds pixels only: no EXIF, ICC, XMP or comment can follow it
    bare = Image.new("RGB", rgb.size)
    bare.paste(rgb)
    buf = io.BytesIO()
    bare.save(buf, "JPEG", quality=QUALITY, optimize=True)
    return buf.getvalue(), bare.size, gps


def _mpx() -> str:
    return f"{MAX_PHOTO_PIXELS / 1e6:.0f}"


def _to_srgb(im: Image.Image, icc: object) -> Image.Image:
    """``im`` as RGB: transparency flattened on white, colours of an embedded ICC profile
    (a phone's Display P3) converted to sRGB so that dropping the profile keeps them."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    elif im.mode != "RGB":
        im = im.convert("RGB")
    if isinstance(icc, bytes) and icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: the pixels as they are
    return im


def _degrees(value: object) -> float | None:
    """EXIF degrees/minutes/seconds (three rationals) → decimal degrees; None if invalid."""
    if not isinstance(value, (tuple, list)) or not 1 <= len(value) <= 3:
        return None
    try:
        parts = [float(v) for v in value]  # IFDRational → float (0/0 gives nan)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    parts += [0.0] * (3 - len(parts))
    d, m, s = parts
    if not all(math.isfinite(p) and p >= 0 for p in parts) or m >= 60 or s >= 60:
        return None
    return d + m / 60 + s / 3600


def _ref(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()[:1]


def gps_position(exif: Image.Exif) -> tuple[float, float] | None:
    """The ``(lon, lat)`` of an EXIF GPS IFD in decimal degrees (S and W negative);
    None when it is absent, incomplete or out of range (0, 0 is a phone without a fix)."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except (KeyError, ValueError, TypeError, OSError):
        return None
    if not gps:
        return None
    lat, lon = _degrees(gps.get(_LAT)), _degrees(gps.get(_LON))
    lat_ref, lon_ref = _ref(gps.get(_LAT_REF)), _ref(gps.get(_LON_REF))
    if lat is None or lon is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        return None
    lat = -lat if lat_ref == "S" else lat
    lon = -lon if lon_ref == "W" else lon
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return (round(lon, 7), round(lat, 7))


def _digest(relative: str) -> str | None:
    """The sha256 a stored photo's path ``photos/<sha256>.jpg`` names (None: not such a
    path)."""
    parts = relative.split("/")
    if len(parts) != 2 or parts[0] != PHOTO_DIR:
        return None
    stem, _, ext = parts[1].partition(".")
    if ext != "jpg" or len(stem) != 64 or any(c not in "0123456789abcdef" for c in stem):
        return None
    return stem


def photo_path(relative: str, home: Path | None = None) -> Path | None:
    """The file of a stored photo (``photos/<sha256>.jpg``), None for any other path
    (an inspection's ``photo`` cell is data: it never names a file outside the folder)
    and for a photo not stored. In the database: its copy in the local cache, written
    whole the first time it is asked for."""
    digest = _digest(relative)
    if digest is None:
        return None
    if database_url():
        return _pg_photo_path(digest, home)
    path = (home or default_home()) / PHOTO_DIR / f"{digest}.jpg"
    return path if path.is_file() else None


def _pg_photo_path(digest: str, home: Path | None) -> Path | None:
    from loaders.pg import photos as pg
    from loaders.pg.connection import store_key, transaction

    path = (home or default_home()) / "cache" / "pg" / store_key() / PHOTO_DIR / f"{digest}.jpg"
    if path.is_file():  # named by its content and written whole: it is the photo
        return path
    with transaction() as conn:
        jpeg = pg.get(conn, digest)
    if jpeg is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write_bytes(path, jpeg, exclusive=True)
    except FileExistsError:
        pass  # read back meanwhile by another reader: the same bytes
    return path


def stored_photos(home: Path | None = None) -> list[str]:
    """The paths (``photos/<sha256>.jpg``) of every stored photo of the store in use, in
    order (for copying the store)."""
    if database_url():
        from loaders.pg import photos as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            return [f"{PHOTO_DIR}/{d}.jpg" for d in pg.digests(conn)]
    folder = (home or default_home()) / PHOTO_DIR
    if not folder.is_dir():
        return []
    names = (f"{PHOTO_DIR}/{p.name}" for p in folder.glob("*.jpg"))
    return sorted(n for n in names if _digest(n) is not None)
