"""The personal code printed on each letter.

A resident types it from paper, so it is short and unambiguous: 12 characters from an alphabet
without 0/O, 1/I/L or U (60 bits), shown as three groups of four. Guessing is held off by the
wrong-token throttle (common.tokenurls: after 10 wrong codes in a minute an address waits 15
minutes), so at most 960 tries a day per address against 2^60 codes.

Only the SHA-256 of the code is stored. The code is derived from (secret key, letter id, salt)
whenever the letter's PDF is made, like the other links that are sent later.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from civicpanel.common.security import token_hash

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # 30 characters that cannot be mistaken for each other
LENGTH = 12
GROUP = 4


def letter_code(letter_id: int, salt: str) -> str:
    """The letter's code, without separators."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"recruitment-letter:{letter_id}:{salt}".encode(),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def shown(code: str) -> str:
    """ABCD-EFGH-JKMN: easier to read aloud and to type."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalized(typed: str) -> str:
    """What a resident typed, as the code it must be: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in (typed or "").upper() if ch.isascii() and ch.isalnum())[:64]


def code_hash(code: str) -> str:
    return token_hash(normalized(code))
