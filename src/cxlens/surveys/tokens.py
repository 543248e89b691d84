"""Submission tokens: issued with each form, they make submitting it idempotent and prove the server issued it.

A token is ``NONCE.VERSION.ISSUED.SIGNATURE``: a 128-bit random nonce, the survey version the form shows,
the issue time (Unix seconds) and an HMAC-SHA256 over the three with the server's secret (RFC 2104),
truncated to 128 bits. The response stored from the form carries ``web:NONCE`` as its idempotency key, so
a double click, a browser resubmit or a retry after a lost reply finds the response already stored and
never adds a second (the key is unique per survey; see ``cxlens.surveys.submit``).

Tokens are stateless: issuing a form writes nothing, which keeps the public page a read. A token is valid
for ``max_age`` seconds (a day by default): a respondent may leave a form open for hours; an expired one is
refused with a clear message and the form re-rendered with the answers kept and a fresh token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from cxlens.exceptions import SubmissionTokenError

__all__ = ["DEFAULT_MAX_AGE", "SubmissionToken", "issue_token", "read_token"]

DEFAULT_MAX_AGE = 24 * 3600


@dataclass(frozen=True, slots=True)
class SubmissionToken:
    nonce: str
    version_id: int
    issued_at: int

    @property
    def idempotency_key(self) -> str:
        return f"web:{self.nonce}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _sign(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:16])


def issue_token(secret: bytes, version_id: int, *, now: float | None = None) -> str:
    """A fresh submission token for a form of survey version ``version_id``."""
    if len(secret) < 16:
        raise ValueError("the token secret must be at least 16 bytes")
    issued = int(time.time() if now is None else now)
    body = f"{_b64(secrets.token_bytes(16))}.{int(version_id)}.{issued}"
    return f"{body}.{_sign(secret, body)}"


def read_token(
    secret: bytes,
    token: str,
    *,
    version_id: int | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    now: float | None = None,
) -> SubmissionToken:
    """Check a token's signature, survey version and age; raise :class:`SubmissionTokenError` if any fails."""
    parts = (token or "").split(".")
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit() or len(parts[0]) != 22:
        raise SubmissionTokenError("the submission token is malformed")
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(secret, body), parts[3]):
        raise SubmissionTokenError("the submission token was not issued by this server")
    parsed = SubmissionToken(parts[0], int(parts[1]), int(parts[2]))
    if version_id is not None and parsed.version_id != version_id:
        raise SubmissionTokenError("the submission token belongs to another survey version")
    age = (time.time() if now is None else now) - parsed.issued_at
    if age > max_age or age < -300:
        raise SubmissionTokenError(f"the submission token expired (issued {int(age)} s ago, valid {max_age} s)")
    return parsed
