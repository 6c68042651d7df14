"""Storing uploaded meeting materials and expert documents under ``instance/uploads``.

Files get random names (the original name is kept only in the database), their type is
checked from both the extension and the first bytes, and their size is limited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
}
ALLOWED_EXTENSIONS = ", ".join(sorted(ext.lstrip(".") for ext in ALLOWED))


class UploadRejected(ValueError):
    """``code`` is ``type`` (not an allowed kind of file), ``size`` or ``empty``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    filename: str
    content_type: str
    size_bytes: int


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_filename(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/|?*')
    return name[:200] or "file"


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """Return ``(extension, content_type)`` or raise ``UploadRejected``."""
    if not data:
        raise UploadRejected("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRejected("size")
    extension = Path(filename).suffix.lower()
    if extension not in ALLOWED:
        raise UploadRejected("type")
    content_type, signatures = ALLOWED[extension]
    if signatures and not any(data.startswith(sig) for sig in signatures):
        raise UploadRejected("type")
    if not signatures:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadRejected("type") from exc
    return extension, content_type


def store_upload(filename: str, stream: IO[bytes]) -> StoredFile:
    """Check and write a file; the caller keeps the returned names in its row."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    extension, content_type = check_upload(filename, data)
    stored_name = secrets.token_hex(16) + extension
    (upload_dir() / stored_name).write_bytes(data)
    return StoredFile(
        stored_name=stored_name,
        filename=_clean_filename(filename),
        content_type=content_type,
        size_bytes=len(data),
    )


def stored_path(stored_name: str) -> Path:
    path = upload_dir() / Path(stored_name).name
    return path


def delete_stored(stored_name: str) -> None:
    if stored_name:
        stored_path(stored_name).unlink(missing_ok=True)
