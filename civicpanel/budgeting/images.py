"""Uploaded images: checked by their content, re-encoded, stripped of metadata, limited in size.

Nothing a resident uploads is ever served as uploaded. Pillow must recognise the bytes as a
JPEG, PNG or WebP image (the file name and the browser's content type are ignored), the picture
is decoded, turned upright, scaled to at most MAX_SIDE pixels, and written afresh as a JPEG
without EXIF, GPS or comments. The new bytes are what is stored and served.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_IMAGES = 3


def reencode(upload) -> tuple[bytes, int, int]:
    """The upload as a clean JPEG: (bytes, width, height). Raises ValidationError with a message
    the resident can act on."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(_("The image “%(name)s” is larger than 8 MB. Choose a smaller picture.")
                              % {"name": getattr(upload, "name", "")})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The image “%(name)s” is larger than 8 MB. Choose a smaller picture.")
                              % {"name": getattr(upload, "name", "")})
    not_image = ValidationError(_("The file “%(name)s” is not a picture (JPEG, PNG or WebP).")
                                % {"name": getattr(upload, "name", "")})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise not_image
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The picture “%(name)s” has too many pixels. Choose a smaller picture.")
                                      % {"name": getattr(upload, "name", "")})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata dropped
            return out.getvalue(), image.width, image.height
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise not_image from None


def new_key() -> str:
    return secrets.token_hex(16)
