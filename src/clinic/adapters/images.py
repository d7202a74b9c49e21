"""Photos: open a JPEG, PNG, WebP or HEIC (from phones too), re-encode to clean square JPEGs.

A photo is measured before it is decoded: `Image.open` reads only the header, so a file that
says it has more pixels than the caller allows is refused at the cost of reading a few bytes
(a 6 KB PNG can say 7000 x 7000, and decoding it took ~560 MB). What is decoded is decoded
small where the format allows (a JPEG at 1/2, 1/4 or 1/8 of its size, a HEIC from an embedded
thumbnail big enough) and reduced at once otherwise; and one photo at a time per process, so
a worker's memory stays near one photo's worth however many arrive together.
"""

from __future__ import annotations

import io
import threading
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from clinic.application.ports import PixelLimits
from clinic.domain.shared import ValidationFailed

try:  # HEIC/HEIF straight from an iPhone
    from pillow_heif import register_heif_opener

    # depth maps and auxiliary images are never used here: not even listed
    register_heif_opener(depth_images=False, aux_images=False)
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pass

SIZES = {"thumb": 160, "large": 640}
LARGEST = max(SIZES.values())
# What a phone or camera gives (JPEG includes a camera's MPO): no other decoder (TIFF, PSD,
# EPS…) ever sees an upload.
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_decoding = threading.BoundedSemaphore(1)  # one decode at a time in this process


def _invalid() -> ValidationFailed:
    return ValidationFailed({"photo": "photo_invalid"})


def _too_many_pixels(webp: bool = False) -> ValidationFailed:
    return ValidationFailed({"photo": "webp_too_many_pixels" if webp else
                             "photo_too_many_pixels"})


def opened(data: bytes, limits: PixelLimits) -> Image.Image:
    """The image with only its header read; refused if it is not a photo or is too large."""
    try:
        with warnings.catch_warnings():
            # Pillow's own process-wide limit (89 Mpx) is far above ours: ours decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(data[8:12] == b"WEBP") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _invalid() from None
    webp = image.format == "WEBP"
    if image.width * image.height > (limits.webp if webp else limits.photo):
        raise _too_many_pixels(webp)
    return image


def decoded(image: Image.Image, side: int = LARGEST) -> Image.Image:
    """The central square the photo is cut to, decoded: at least `side` px wide when the photo
    has that many, and less than twice that. A JPEG is scaled down by its decoder; anything
    else is decoded whole and at once reduced by a whole factor, a band at a time, so nothing
    but the small result is ever copied. (The centre square of a photo turned by its EXIF is
    the turned centre square: cutting before turning is safe.)"""
    image.draft("RGB", (side, side))  # JPEG: decode at a smaller scale; HEIC: a big thumbnail
    image.load()
    short = min(image.size)
    left, top = (image.width - short) // 2, (image.height - short) // 2
    factor = max(1, short // side)
    if image.mode in ("L", "RGB", "CMYK"):  # averaged as they are
        square = (left, top, left + short, top + short)
        return image.reduce(factor, square) if factor > 1 else image.crop(square)
    # Transparency is averaged premultiplied and palette indices not at all: both need a
    # converted copy, which is made of one band of rows at a time.
    mode = "RGBA" if _transparent(image) else "RGB"
    result = Image.new(mode, (-(-short // factor),) * 2)
    band = factor * _BAND_ROWS
    for y in range(0, short, band):
        rows = image.crop((left, top + y, left + short, top + min(y + band, short)))
        rows = rows if rows.mode == mode else rows.convert(mode)
        result.paste(rows.reduce(factor) if factor > 1 else rows, (0, y // factor))
    result.info = dict(image.info)  # the EXIF turn, read next
    return result


_BAND_ROWS = 64  # rows of the result made from each band


def _transparent(image: Image.Image) -> bool:
    return "A" in image.mode or "transparency" in image.info


class PillowPhotoProcessor:
    def square_versions(self, data: bytes,
                        limits: PixelLimits) -> dict[str, tuple[bytes, str]]:
        try:
            with _decoding:
                image = decoded(opened(data, limits))
            # from here on a square under 2 x 640 px: little memory, little time
            image = ImageOps.exif_transpose(image)  # phones store the turn in EXIF; apply it
            if image.mode in ("RGBA", "LA", "PA"):  # transparency becomes white, not black
                image = image.convert("RGBA")
                background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(background, image)
            image = image.convert("RGB")  # drops alpha, palette and every metadata block
        except ValidationFailed:
            raise
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise _invalid() from None  # cut short or corrupt inside
        versions = {}
        for name, side in SIZES.items():
            square = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
            versions[name] = (out.getvalue(), "image/jpeg")
        return versions
