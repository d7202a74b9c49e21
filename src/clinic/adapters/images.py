"""Photos: open anything Pillow can (HEIC from phones too), re-encode to clean square JPEGs."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from clinic.domain.shared import ValidationFailed

try:  # HEIC/HEIF straight from an iPhone
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pass

SIZES = {"thumb": 160, "large": 640}
MAX_PIXELS = 50_000_000  # refuse decompression bombs well before they eat the memory


class PillowPhotoProcessor:
    def square_versions(self, data: bytes) -> dict[str, tuple[bytes, str]]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image: Image.Image = Image.open(io.BytesIO(data))
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationFailed({"photo": "photo_invalid"})
                image.load()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
                Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationFailed({"photo": "photo_invalid"}) from None
        image = ImageOps.exif_transpose(image)  # phones store the turn in EXIF; apply it
        if image.mode in ("RGBA", "LA", "P"):  # transparency becomes white, not black
            image = image.convert("RGBA")
            background = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, image)
        image = image.convert("RGB")  # drops alpha, palette and every metadata block
        versions = {}
        for name, side in SIZES.items():
            square = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
            versions[name] = (out.getvalue(), "image/jpeg")
        return versions
