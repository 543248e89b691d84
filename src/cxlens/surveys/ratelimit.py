"""Reading a rate limit such as ``30/min`` (public survey submissions per client IP; ``CXLENS_SURVEY_RATE_LIMIT``).

The limiter itself is the web app's sliding-window :class:`cxlens.web.security.RateLimiter`.
"""

from __future__ import annotations

import re

from cxlens.exceptions import ConfigurationError

__all__ = ["parse_rate"]

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate(text: str) -> tuple[int, float]:
    """``COUNT/PERIOD`` → ``(count, seconds)``; ``count = 0`` means no limit.

    >>> parse_rate("30/min"), parse_rate("5/10s"), parse_rate("1000 / hour")
    ((30, 60.0), (5, 10.0), (1000, 3600.0))
    """
    m = _RATE.match(text or "")
    if m is None:
        raise ConfigurationError(f"a rate limit is COUNT/PERIOD such as 30/min, 5/10s or 1000/hour, not {text!r}")
    count, every, unit = int(m.group(1)), int(m.group(2) or 1), m.group(3).lower()
    if every <= 0:
        raise ConfigurationError(f"the period of rate limit {text!r} must be positive")
    return count, float(every * _UNITS[unit])
