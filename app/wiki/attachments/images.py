"""Pictures, with Pillow: refuse pixel bombs before decoding, turn by the EXIF orientation, resize
to 2,000 px on the long side, drop every metadata block (EXIF with its GPS position and phone
model, XMP, comments), and make the narrower copies a page's `srcset` offers.

Pillow (about 2.5 MB) is imported by the functions that decode or encode, on the first upload: a
worker that only serves pages never loads it (tests/unit/test_worker_memory.py)."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field

from flask_babel import gettext as _
from typing import TYPE_CHECKING

from app.wiki.errors import FileRefused

if TYPE_CHECKING:
    from PIL import Image

MAX_SIDE = 2000
THUMBNAIL_WIDTHS = (480, 960)
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background")  # colours and timing, nothing personal


@dataclass
class Picture:
    data: bytes
    width: int
    height: int
    thumbnails: dict[int, bytes] = field(default_factory=dict)  # width -> bytes, same format


def process(data: bytes, mime: str, *, max_pixels: int) -> Picture:
    """The picture as the wiki keeps it, or FileRefused when it is too large or not a picture."""
    from PIL import Image, UnidentifiedImageError

    image_format = FORMATS[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[image_format])
            width, height = image.size  # read from the header: nothing is decoded yet
            if width * height > max_pixels or width > 50_000 or height > 50_000:
                raise FileRefused(too_many_pixels(width, height, max_pixels))
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                return animated(image, image_format, max_pixels)
            image.load()
            picture = still(image, image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        # Pillow refuses at open, from the header: its message holds the picture's pixel count.
        count = re.search(r"\((\d+) pixels\)", str(bomb))
        millions = int(count.group(1)) // 1_000_000 if count else 0
        raise FileRefused(_("This picture is too large (%(count)d million pixels); the limit is %(limit)d million "
                            "pixels.", count=millions, limit=max(max_pixels // 1_000_000, 1)))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise FileRefused(_("This picture is damaged or incomplete; it cannot be read."))
    return picture


def too_many_pixels(width: int, height: int, max_pixels: int) -> str:
    return _("This picture is too large (%(width)d × %(height)d pixels); the limit is %(limit)d million pixels.",
             width=width, height=height, limit=max(max_pixels // 1_000_000, 1))


def clean_info(image: Image.Image, source_info: dict) -> None:
    """Keep colours and animation timing; everything else in `info` (exif, xmp, comments, text) goes."""
    image.info = {key: source_info[key] for key in KEPT_INFO if key in source_info}


def still(image: Image.Image, image_format: str) -> Picture:
    from PIL import Image, ImageOps

    source_info = dict(image.info)
    turned = ImageOps.exif_transpose(image)  # a copy, turned, without the orientation tag
    if turned is None:
        turned = image
    if max(turned.size) > MAX_SIDE:
        turned = turned.copy()
        turned.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean_info(turned, source_info)
    data = encode(turned, image_format)
    thumbnails = {}
    for width in THUMBNAIL_WIDTHS:
        if turned.width > width:
            small = turned.copy()
            small.thumbnail((width, width * turned.height // turned.width + 1), Image.Resampling.LANCZOS)
            clean_info(small, source_info)
            thumbnails[width] = encode(small, image_format)
    return Picture(data=data, width=turned.width, height=turned.height, thumbnails=thumbnails)


def encode(image: Image.Image, image_format: str) -> bytes:
    """Write without any metadata block: `exif` and `xmp` are passed empty so no format copies them."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    options = {"exif": b"", "icc_profile": image.info.get("icc_profile")}
    if image_format == "JPEG":
        options.update(quality=85, optimize=True, xmp=b"")
    elif image_format == "WEBP":
        options.update(quality=85, xmp=b"")
    elif image_format == "PNG":
        options.update(optimize=True)
    elif image_format == "GIF":
        options = {}
    output = io.BytesIO()
    image.save(output, image_format, **{k: v for k, v in options.items() if v is not None})
    return output.getvalue()


def animated(image: Image.Image, image_format: str, max_pixels: int) -> Picture:
    """An animation keeps its frames (within the pixel budget for all of them), resized, without metadata."""
    from PIL import Image, ImageSequence

    if image.n_frames * image.width * image.height > max_pixels:
        raise FileRefused(_("This animation has too many frames or pixels to be shown safely."))
    source_info = dict(image.info)
    frames = []
    for frame in ImageSequence.Iterator(image):
        copy = frame.convert("RGBA")
        copy.info = {}  # each frame's comment and extensions stay behind
        if max(copy.size) > MAX_SIDE:
            copy.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        frames.append(copy)
    first = frames[0]
    output = io.BytesIO()
    options = {key: source_info[key] for key in ("duration", "loop") if key in source_info}
    first.save(output, image_format, save_all=True, append_images=frames[1:], **options)
    return Picture(data=output.getvalue(), width=first.width, height=first.height)
