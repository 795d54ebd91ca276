"""Encryption of personal data at rest, and the blind index that lets us look values up.

Values (members' e-mail addresses and names) are stored as

    ev1:<key id>:<base64url(nonce 12 bytes | AES-256-GCM ciphertext and tag)>

with the key id and the format marker as associated data, so a value cannot be moved to
another key id unnoticed. The keys come from the environment and never touch the database:

    CIVICPANEL_DATA_KEYS   "<id>:<base64 of 32 bytes>[,<id>:<base64 of 32 bytes>...]"
                           the first key encrypts; every listed key decrypts (rotation:
                           put the new key first, run `civicpanel rotate_data_keys`, then
                           drop the old one)
    CIVICPANEL_INDEX_KEY   base64 of 32 bytes: the HMAC-SHA256 key of the blind index

A blind index is HMAC(index key, normalised value): equal values give equal hashes, so the
database can find "the member with this address" and keep addresses unique per council,
while the hash reveals nothing without the key.

Outside production, a missing key is derived from SECRET_KEY under the key id "dev" (and
said so in its name); production refuses to start without both variables (settings.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "ev1:"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEV_KEY_ID = "dev"


class DecryptionError(Exception):
    """A stored value cannot be decrypted: its key is not configured, or it was altered."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]
    index_key: bytes


def generate_key() -> str:
    """A new random key, as the base64 text the environment variables take."""
    return base64.b64encode(os.urandom(32)).decode()


def _decode_key(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{what} is not valid base64") from error
    if len(key) != 32:
        raise ImproperlyConfigured(f"{what} must be 32 bytes (256 bits), base64-encoded; it is {len(key)} bytes")
    return key


def _dev_key(purpose: str) -> bytes:
    # Only ever used outside production: predictable from SECRET_KEY, which is fine for a
    # developer's database and the test suite, and never for real residents.
    return hashlib.sha256(f"civicpanel development-only {purpose} key|{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=8)
def _parse(data_keys: str, index_key: str, production: bool, secret_key: str) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in (p.strip() for p in data_keys.split(",")):
        if not part:
            continue
        key_id, sep, text = part.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                "CIVICPANEL_DATA_KEYS: each entry is <id>:<base64 key>, the id made of letters, digits, - and _")
        if key_id in keys:
            raise ImproperlyConfigured(f"CIVICPANEL_DATA_KEYS: the key id {key_id!r} appears twice")
        keys[key_id] = _decode_key(text, f"CIVICPANEL_DATA_KEYS key {key_id!r}")
        order.append(key_id)
    if not keys:
        if production:
            raise ImproperlyConfigured("CIVICPANEL_DATA_KEYS is required in production")
        keys[DEV_KEY_ID] = _dev_key("data")
        order.append(DEV_KEY_ID)
    if index_key.strip():
        index = _decode_key(index_key, "CIVICPANEL_INDEX_KEY")
    elif production:
        raise ImproperlyConfigured("CIVICPANEL_INDEX_KEY is required in production")
    else:
        index = _dev_key("index")
    return Keyring(current_id=order[0], keys=keys, index_key=index)


def keyring() -> Keyring:
    """The configured keys (parsed once per configuration; settings overrides in tests work)."""
    return _parse(
        getattr(settings, "CIVICPANEL_DATA_KEYS", ""),
        getattr(settings, "CIVICPANEL_INDEX_KEY", ""),
        bool(getattr(settings, "PRODUCTION", False)),
        settings.SECRET_KEY,
    )


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id_of(value: str) -> str | None:
    """The id of the key a stored value was encrypted with (None for a plain value)."""
    if not is_encrypted(value):
        return None
    return value[len(PREFIX):].partition(":")[0]


@lru_cache(maxsize=16)
def _cipher(key: bytes):
    """One AESGCM object per key: building it costs as much as decrypting a short value, and the
    member list and search decrypt thousands at a time. It holds no state between calls."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    """The stored form of a text, under the current key (a fresh random nonce every time)."""
    ring = keyring()
    header = f"{PREFIX}{ring.current_id}:"
    nonce = os.urandom(12)
    sealed = _cipher(ring.keys[ring.current_id]).encrypt(nonce, plaintext.encode("utf-8"), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decrypt(stored: str) -> str:
    """The text of a stored value. Raises DecryptionError when its key is not configured or the
    value was tampered with (AES-GCM checks the tag)."""
    from cryptography.exceptions import InvalidTag

    if not is_encrypted(stored):
        raise DecryptionError("not an encrypted value")
    key_id, sep, body = stored[len(PREFIX):].partition(":")
    key = keyring().keys.get(key_id)
    if not sep or key is None:
        raise DecryptionError(f"the value was encrypted with key {key_id!r}, which is not in CIVICPANEL_DATA_KEYS")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        plain = _cipher(key).decrypt(raw[:12], raw[12:], f"{PREFIX}{key_id}:".encode())
    except (InvalidTag, ValueError, binascii.Error) as error:
        raise DecryptionError(f"a value under key {key_id!r} does not decrypt (altered or wrong key)") from error
    return plain.decode("utf-8")


# base64url to standard base64, for binascii (what base64.urlsafe_b64decode does, without its
# wrappers' cost per call).
_URLSAFE = bytes.maketrans(b"-_", b"+/")


def decrypt_values(values) -> list:
    """Many stored values read at once, each as EncryptedTextField reads it: decrypted when
    encrypted, else as it is (None, "", a value from before the encryption). Raises
    DecryptionError as `decrypt` does. The key ring and each key's cipher are looked up once
    for all values, not once per value: for the thousands a sorted member list decrypts that
    lookup, the base64 wrappers and the checks cost several times the decryption itself."""
    from cryptography.exceptions import InvalidTag

    keys = keyring().keys
    ciphers: dict[str, tuple] = {}
    out = []
    for stored in values:
        if not stored or not stored.startswith(PREFIX):
            out.append(stored)
            continue
        key_id, sep, body = stored[len(PREFIX):].partition(":")
        cipher = ciphers.get(key_id)
        if cipher is None:
            if not sep or key_id not in keys:
                raise DecryptionError(f"the value was encrypted with key {key_id!r}, which is not in "
                                      "CIVICPANEL_DATA_KEYS")
            cipher = ciphers[key_id] = (_cipher(keys[key_id]), f"{PREFIX}{key_id}:".encode())
        try:
            raw = binascii.a2b_base64(body.encode("ascii").translate(_URLSAFE) + b"=" * (-len(body) % 4))
            out.append(cipher[0].decrypt(raw[:12], raw[12:], cipher[1]).decode("utf-8"))
        except (InvalidTag, ValueError, binascii.Error) as error:
            raise DecryptionError(f"a value under key {key_id!r} does not decrypt (altered or wrong key)") from error
    return out


def normalize_for_index(value: str) -> str:
    """What the blind index compares: e-mail addresses are case-insensitive in practice."""
    return value.strip().lower()


def blind_index(value: str | None) -> str | None:
    """HMAC-SHA256 (hex) of the normalised value under the index key; None for no value."""
    if value is None:
        return None
    normalized = normalize_for_index(value)
    if not normalized:
        return None
    return hmac.new(keyring().index_key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
