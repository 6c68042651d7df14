"""At-rest encryption of personal identity codes and IBANs.

Values are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256, with a timestamp) through the
:class:`EncryptedText` column type. Keys come from the environment and are installed once at
start-up with :func:`configure_encryption`:

* the **first** key encrypts, **every** key decrypts, so a key is rotated by putting a new
  key first, re-encrypting stored values (:func:`rotate_token`) and then dropping the old key;
* a token that no configured key can open raises :class:`DecryptionFailed`, never returns
  garbage or ``None``.

Fernet output is randomised, so equal plaintexts give different tokens and a ``WHERE``
clause cannot compare them. For "does this identity code already exist?" store a
:func:`blind_index` (a keyed HMAC of the normalised value) in a separate indexed column.
The blind-index key must be a different secret from the encryption keys.

This is the one module in ``portal/core`` that imports SQLAlchemy, for the column type.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Dialect
from sqlalchemy.types import Text, TypeDecorator

__all__ = [
    "DecryptionFailed",
    "EncryptedText",
    "EncryptionError",
    "EncryptionNotConfigured",
    "blind_index",
    "configure_encryption",
    "decrypt_text",
    "encrypt_text",
    "generate_key",
    "reset_encryption",
    "rotate_token",
]


class EncryptionError(RuntimeError):
    """Base class for at-rest encryption problems."""


class EncryptionNotConfigured(EncryptionError):
    """:func:`configure_encryption` has not been called (or was reset)."""


class DecryptionFailed(EncryptionError):
    """No configured key opens the token: wrong or retired key, or tampered data."""


_fernet: MultiFernet | None = None


def configure_encryption(keys: Sequence[str]) -> None:
    """Install the encryption keys; the first encrypts, all of them decrypt.

    Each key is a url-safe base64 encoded 32-byte key as produced by :func:`generate_key`.
    Raises :class:`ValueError` for an empty list or a malformed key, so a misconfigured
    deployment fails at start-up rather than at the first identity code it stores.
    """
    global _fernet
    if isinstance(keys, str):
        # A single key string is a sequence too; iterating it would give one-letter "keys".
        raise TypeError("configure_encryption expects a list of keys, not a single string")
    if not keys:
        raise ValueError("at least one encryption key is required")
    fernets = []
    for position, key in enumerate(keys):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            # Never include the key itself in the message: it ends up in logs.
            raise ValueError(f"encryption key #{position + 1} is not a valid Fernet key") from exc
    _fernet = MultiFernet(fernets)


def reset_encryption() -> None:
    """Forget the configured keys (application teardown and tests)."""
    global _fernet
    _fernet = None


def _configured() -> MultiFernet:
    if _fernet is None:
        raise EncryptionNotConfigured("call configure_encryption() at application start-up")
    return _fernet


def generate_key() -> str:
    """A fresh random key for :func:`configure_encryption` (or for :func:`blind_index`)."""
    return Fernet.generate_key().decode("ascii")


def encrypt_text(plaintext: str) -> str:
    """Encrypt with the first configured key; the token is ASCII and differs on every call."""
    return _configured().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """Decrypt a token made with any configured key, or raise :class:`DecryptionFailed`."""
    try:
        return _configured().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionFailed("no configured key can decrypt this value") from None


def rotate_token(token: str) -> str:
    """Re-encrypt a token under the current first key (for a key-rotation job)."""
    try:
        return _configured().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionFailed("no configured key can decrypt this value") from None


def blind_index(value: str, key: str | bytes) -> str:
    """Keyed HMAC-SHA256 of ``value`` as 64 hex characters, for equality lookups.

    Normalise ``value`` first (e.g. with ``normalise_personal_identity_code``), otherwise
    ``"131052-308t"`` and ``"131052-308T"`` get different indexes. A plain unkeyed hash would
    not do: the space of identity codes is small enough to hash every one of them.
    """
    key_bytes = key.encode("utf-8") if isinstance(key, str) else key
    if not key_bytes:
        raise ValueError("the blind index key must not be empty")
    return hmac.new(key_bytes, value.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedText(TypeDecorator[str]):
    """A text column whose values are stored encrypted; Python code sees plaintext.

    ``None`` is stored as NULL (not encrypted) so optional columns stay optional. The stored
    token is roughly ``4/3 * (len + 57)`` characters, so use an unbounded ``Text`` column.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way into the database."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText stores str, got {type(value).__name__}")
        return encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out of the database."""
        if value is None:
            return None
        return decrypt_text(value)
