"""How guessable a machine secret is (the signing key, feed and gateway tokens): a length,
a count of distinct characters, no repeated unit, and an estimate of its entropy that counts
a run such as ``aaaa`` or ``abcd`` or ``9876`` as one character.

Meant for secrets that a machine made (``secrets.token_urlsafe``), not for passwords: a
random token passes with a wide margin, a typed pattern does not.

>>> weakness("a" * 36, min_length=32, min_bits=128)
'it repeats one character'
>>> weakness("abcdefghijklmnopqrstuvwxyz0123456789", min_length=32, min_bits=128) is not None
True
>>> weakness("Yq3v_0Pp-Jd8tLr2ZsKmW7xNbE4hGc9uFo1iTa6eRyU", min_length=32, min_bits=128) is None
True
"""

from __future__ import annotations

import math
import string

__all__ = ["MAKE_ONE", "estimated_bits", "weakness"]

#: How to make a good one, for the error messages.
MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"

#: A secret drawn at random has many distinct characters; 8 of 24 is far below what
#: ``token_urlsafe`` or ``token_hex`` give (about 20 and 12), and far above a typed pattern.
_MIN_DISTINCT = 8

#: Of a random secret's three-character pieces nearly every one is new; a word said twice is not.
_MIN_NEW_TRIGRAMS = 0.8

_POOLS = (string.digits, string.ascii_lowercase, string.ascii_uppercase)
_OTHER_POOL = 33  # printable ASCII punctuation and space


def estimated_bits(secret: str) -> float:
    """A cautious estimate of the entropy of ``secret`` in bits.

    Each character that continues a run (the same step as the one before it: ``aaa``,
    ``abc``, ``975``) adds nothing; every other adds log2 of the size of the character
    classes the secret uses.

    >>> estimated_bits("aaaaaaaa"), round(estimated_bits("a1B2"), 1)
    (4.7, 23.8)
    """
    if not secret:
        return 0.0
    pool = sum(len(chars) for chars in _POOLS if any(c in chars for c in secret))
    if any(not any(c in chars for chars in _POOLS) for c in secret):
        pool += _OTHER_POOL
    free = 1
    for i in range(1, len(secret)):
        step = ord(secret[i]) - ord(secret[i - 1])
        before = ord(secret[i - 1]) - ord(secret[i - 2]) if i >= 2 else None
        if step == 0 or step == before:
            continue
        free += 1
    return round(free * math.log2(max(pool, 2)), 1)


def weakness(secret: str, *, min_length: int, min_bits: int) -> str | None:
    """Why ``secret`` is too easy to guess, or None when it is strong enough.

    >>> weakness("ab" * 20, min_length=24, min_bits=96)
    'it repeats a shorter part'
    """
    if len(secret) < min_length:
        return f"it has {len(secret)} characters, at least {min_length} are needed"
    if len(set(secret)) == 1:
        return "it repeats one character"
    trigrams = [secret[i : i + 3] for i in range(len(secret) - 2)]
    if len(set(trigrams)) < _MIN_NEW_TRIGRAMS * len(trigrams):
        return "it repeats a shorter part"
    if len(set(secret)) < _MIN_DISTINCT:
        return f"it has {len(set(secret))} different characters, at least {_MIN_DISTINCT} are needed"
    if estimated_bits(secret) < min_bits:
        return "it follows an obvious pattern (runs such as 'aaaa', 'abcd' or '1234')"
    return None
