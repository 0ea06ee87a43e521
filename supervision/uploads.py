"""Receipt uploads (SECURITY.md "Uploads"): the type is read from the file's first bytes, never
from its name or the browser's claim; the size is limited; the file is stored under a random
name in the private upload folder (MEDIA_ROOT, which no URL serves) and handed out only by the
`expense_receipt` view, as an attachment, after an access check.
"""

from __future__ import annotations

import math
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import formats
from django.utils.translation import gettext as _

DEFAULT_RECEIPT_MAX_BYTES = 5 * 1024 * 1024
RECEIPT_FOLDER = "receipts"

JPEG, PNG, HEIC, PDF = "image/jpeg", "image/png", "image/heic", "application/pdf"
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", HEIC: ".heic", PDF: ".pdf"}
# ISO base media "ftyp" brands of HEIC/HEIF photos (what iPhones take by default).
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
ACCEPT = ",".join(EXTENSIONS) + "," + ",".join(EXTENSIONS.values())


def receipt_max_bytes() -> int:
    return int(getattr(settings, "RECEIPT_MAX_BYTES", DEFAULT_RECEIPT_MAX_BYTES))


def sniff_content_type(head: bytes) -> str | None:
    """The receipt's type from its first bytes; None when it is none of the accepted ones."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    # A PDF's header must be within its first 1024 bytes; writers put it first in practice.
    if head.startswith(b"%PDF-"):
        return PDF
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return HEIC
    return None


def _head(upload: File[bytes]) -> bytes:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head if isinstance(head, bytes) else b""


def validate_receipt(upload: File[bytes]) -> str:
    """The receipt's content type, or a ValidationError on `receipt` saying why not."""
    limit = receipt_max_bytes()
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"receipt": _("The receipt is an empty file.")})
    if size > limit:
        raise ValidationError(
            {
                "receipt": _(
                    "The receipt is too large (%(size)s MB); the limit is %(limit)s MB. "
                    "Take a photo at a lower resolution or send a smaller PDF."
                )
                % {"size": megabytes(size), "limit": megabytes(limit)}
            }
        )
    content_type = sniff_content_type(_head(upload))
    if content_type is None:
        raise ValidationError(
            {
                "receipt": _(
                    "The receipt must be a photo (JPEG, PNG or HEIC) or a PDF. This file is "
                    "none of those, whatever its name says."
                )
            }
        )
    return content_type


def megabytes(size: int) -> str:
    """A size in MB as people read it: "5", "5,2" (Dutch)."""
    # Rounded up, so a file just over the limit never reads as exactly the limit.
    value = math.ceil(size * 10 / (1024 * 1024)) / 10
    if value == int(value):
        return str(int(value))
    return formats.number_format(value, 1, use_l10n=True)


def receipt_name(content_type: str, today: date) -> str:
    """A fresh random name in receipts/<yyyy>/<mm>/; nothing of the upload's own name is kept."""
    return (
        f"{RECEIPT_FOLDER}/{today:%Y}/{today:%m}/{secrets.token_hex(16)}{EXTENSIONS[content_type]}"
    )


def store_receipt(upload: File[bytes], *, content_type: str, today: date) -> str:
    """Write the (validated) upload to the private storage; returns the stored name."""
    upload.seek(0)
    return default_storage.save(receipt_name(content_type, today), upload)


def delete_receipt(name: str) -> None:
    if name:
        default_storage.delete(name)


def open_receipt(name: str) -> File[bytes]:
    """Open a stored receipt for reading. Raises FileNotFoundError when it is gone."""
    if not name.startswith(f"{RECEIPT_FOLDER}/") or ".." in name:
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb")


def download_name(expense_pk: int, content_type: str) -> str:
    return f"bon-{expense_pk}{EXTENSIONS.get(content_type, '')}"
