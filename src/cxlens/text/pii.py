"""Personal data in free text: find it and mask it.

Detectors: Chinese mobile numbers (``1[3-9]x xxxx xxxx``, optionally ``+86``), 身份证 numbers (18 digits
with a valid ISO 7064 MOD 11-2 check digit and a plausible birth date), e-mail addresses, bank card numbers
(13–19 digits passing the Luhn check), IPv4 and IPv6 addresses.

>>> mask("请联系 13812345678 或 li.na@example.com")
'请联系 [PHONE] 或 [EMAIL]'
>>> [m.kind for m in find("卡号 6222 0212 3456 7890 128，IP 10.1.2.3")]
['bank_card', 'ip']
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["KINDS", "Match", "find", "mask", "mask_value", "pseudonym"]

#: the kinds of personal data detected, in the order overlapping matches are resolved
KINDS = ("email", "id_card", "phone", "bank_card", "ip")


@dataclass(frozen=True, slots=True)
class Match:
    """One piece of personal data found in a text: ``text[start:end]`` is of ``kind``."""

    kind: str
    start: int
    end: int
    value: str


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d(?:[\s-]?\d){12,18}(?![0-9])")
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_card_ok(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17].upper():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def _luhn_ok(value: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", value)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _ip_ok(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_DETECTORS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("email", _EMAIL, lambda v: True),
    ("id_card", _ID_CARD, _id_card_ok),
    ("phone", _PHONE, lambda v: True),
    ("bank_card", _CARD, _luhn_ok),
    ("ip", _IPV4, _ip_ok),
    ("ip", _IPV6, lambda v: v.count(":") >= 2 and _ip_ok(v)),
)
_LABELS = {"email": "[EMAIL]", "id_card": "[ID]", "phone": "[PHONE]", "bank_card": "[CARD]", "ip": "[IP]"}


def find(text: str, kinds: Iterable[str] = KINDS) -> list[Match]:
    """Every piece of personal data in ``text``, left to right, without overlaps (earlier kinds in
    :data:`KINDS` win an overlap: an 18-digit 身份证 is not also read as a bank card)."""
    wanted = set(kinds)
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, valid in _DETECTORS:
        if kind not in wanted:
            continue
        for m in pattern.finditer(text):
            if valid(m.group()) and not any(m.start() < end and start < m.end() for start, end in taken):
                found.append(Match(kind, m.start(), m.end(), m.group()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda m: m.start)


def mask(text: str, kinds: Iterable[str] = KINDS) -> str:
    """``text`` with each piece of personal data replaced by its kind's label (``[PHONE]``, ``[EMAIL]`` …)."""
    out: list[str] = []
    last = 0
    for m in find(text, kinds):
        out.append(text[last : m.start])
        out.append(_LABELS[m.kind])
        last = m.end
    out.append(text[last:])
    return "".join(out)


def pseudonym(value: str, salt: str = "") -> str:
    """A stable stand-in for an identifying value (a name, an e-mail used as a customer id): the same value
    gives the same pseudonym, so records still join, but the value itself is not kept."""
    return "pii_" + hashlib.sha256((salt + value.strip()).encode()).hexdigest()[:16]


def mask_value(value: str, *, whole: bool = False, salt: str = "") -> str:
    """Mask one cell: the whole value becomes a pseudonym when ``whole`` (a designated name column),
    otherwise the personal data inside it is masked."""
    if not value.strip():
        return value
    return pseudonym(value, salt) if whole else mask(value)
