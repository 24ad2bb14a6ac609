"""Encryption at rest for the few identifiers that need it (the optional national ID number).

The data key is a key of its own (``DUK_DATA_KEY``), not ``DUK_SECRET_KEY``: that one signs
CSRF tokens and cell keys and may be changed at any time, while changing the data key must
re-encrypt what is stored. Keys are Fernet keys. A key is rotated by making the new one
``DUK_DATA_KEY``, naming the old one in ``DUK_DATA_KEYS_OLD`` (still read, never written) and
running ``duk rotate-key``, which re-encrypts every stored value with the new key; after that
the old key can go.

A value that must be found, not only read (a family member's national ID number, which an
ID-porten sign-in names), is stored beside its ciphertext as a keyed hash (HMAC-SHA256) under
a key derived from the data key: found by the hash, never by decrypting every row. A lookup
hashes under every data key still read, so a value stays findable while a rotation runs.

Values stored before there was a data key were encrypted with a key derived from the secret
key; that key is always read too, so ``duk rotate-key`` moves them to the data key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import Settings


def new_key() -> str:
    return Fernet.generate_key().decode()


def _legacy(secret_key: str) -> Fernet:
    """The key the national ID was encrypted with before the data key existed."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"duk national id v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


class DataKeys:
    """The current data key, which encrypts, and every key that may still decrypt."""

    def __init__(self, current: str, old: Sequence[str] = (), *, legacy_secret: str = "") -> None:
        keys = [Fernet(current.encode()), *(Fernet(k.encode()) for k in old)]
        self._lookup = [_lookup_key(current), *(_lookup_key(k) for k in old)]
        if legacy_secret:
            keys.append(_legacy(legacy_secret))
        self._keys = MultiFernet(keys)

    def encrypt(self, plaintext: str) -> bytes:
        return self._keys.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        return self._keys.decrypt(token).decode()

    def rotate(self, token: bytes) -> bytes:
        """The same value, encrypted with the current key."""
        return self._keys.rotate(token)

    def lookup_hash(self, plaintext: str) -> str:
        """The keyed hash a value is stored under, by the current key."""
        return _hmac(self._lookup[0], plaintext)

    def lookup_hashes(self, plaintext: str) -> list[str]:
        """The keyed hashes the value may be stored under: the current key's first."""
        return [_hmac(key, plaintext) for key in self._lookup]


def _lookup_key(fernet_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"duk lookup hash v1").derive(
        base64.urlsafe_b64decode(fernet_key.encode())
    )


def _hmac(key: bytes, plaintext: str) -> str:
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


def data_keys(settings: Settings) -> DataKeys:
    """The installation's data keys (``DUK_DATA_KEY``, ``DUK_DATA_KEYS_OLD``)."""
    return DataKeys(settings.data_key, settings.old_data_keys, legacy_secret=settings.secret_key)


__all__ = ["DataKeys", "InvalidToken", "data_keys", "new_key"]
