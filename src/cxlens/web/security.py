"""Passwords, tokens, CSRF and rate limits — the small security primitives the web app is built on.

- Passwords are hashed with Argon2id (RFC 9106) through ``argon2-cffi``'s defaults; a hash made with weaker
  parameters is re-hashed at the next sign-in.
- Session and API tokens are 256-bit random strings (``secrets.token_urlsafe(32)``); the database keeps
  only their SHA-256, so a copy of the database signs nobody in. A fast hash suffices for random tokens
  (no dictionary to guess from); a slow one is for passwords. The session cookie carries the token
  HMAC-signed (:class:`CookieSigner`), so forged cookies are refused before any lookup.
- CSRF protection is the signed double-submit cookie (OWASP CSRF Prevention Cheat Sheet): each browser
  gets a random token in an HMAC-signed ``cxlens_csrf`` cookie, every form carries the same token in a
  hidden ``csrf_token`` field (or an ``X-CSRF-Token`` header), and an unsafe request whose field does not
  match its cookie is refused. Cookies are ``HttpOnly`` and ``SameSite=Lax``.
- :class:`RateLimiter` is a sliding-window counter per key (an IP, a username) kept in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, Signer

from cxlens.exceptions import ConfigurationError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CookieSigner",
    "CsrfSigner",
    "RateLimiter",
    "check_password_strength",
    "hash_password",
    "hash_token",
    "load_secret",
    "needs_rehash",
    "new_token",
    "verify_password",
]

SESSION_COOKIE = "cxlens_session"
CSRF_COOKIE = "cxlens_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "web-secret.key"
MIN_PASSWORD = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (a PHC string holding its own salt and parameters)."""
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Raise ``ValueError`` unless ``password`` has at least 10 characters and is not all one character."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(set(password)) < 3:
        raise ValueError("a password needs at least three different characters")


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; never raises for a wrong password or a bad hash."""
    try:
        return bool(_hasher.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return bool(_hasher.check_needs_rehash(stored_hash))


def new_token(prefix: str = "") -> str:
    """A random token with 256 bits of entropy, optionally prefixed (``cxl_`` for API tokens)."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token, hex: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_secret(folder: Path) -> bytes:
    """The app's signing key: ``CXLENS_SECRET_KEY`` if set, else the workspace's ``web-secret.key`` file,
    created (mode 0600) with 32 random bytes on first use, so cookies survive a restart."""
    env = os.environ.get("CXLENS_SECRET_KEY")
    if env:
        return env.encode()
    path = folder / SECRET_FILE
    if not path.is_file():
        # written whole under a temporary name, then linked into place: a crash (kill -9) while creating it
        # leaves no empty or partial key file, and of two processes starting at once the first link wins
        key = secrets.token_bytes(32)
        partial = folder / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key.hex() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink(missing_ok=True)
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ConfigurationError(f"{path} does not hold a key of at least 16 bytes in hex; delete it to make a new one")
    return key


class CookieSigner:
    """HMAC-signs cookie values (itsdangerous), so a cookie the server did not issue is refused before any
    database lookup."""

    def __init__(self, secret: bytes, salt: str) -> None:
        self._signer = Signer(secret, salt=salt)

    def sign(self, value: str) -> str:
        return self._signer.sign(value).decode()

    def unsign(self, cookie: str | None) -> str | None:
        """The value inside a cookie, or None if the cookie is missing or its signature is wrong."""
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except BadSignature:
            return None


class CsrfSigner:
    """Makes and checks the signed double-submit CSRF cookie."""

    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, salt="cxlens-csrf")

    def new(self) -> tuple[str, str]:
        """A fresh (token, cookie value) pair."""
        token = secrets.token_urlsafe(24)
        return token, self._signer.sign(token).decode()

    def token_of(self, cookie: str | None) -> str | None:
        """The token inside a cookie value, or None if the cookie is missing or its signature is wrong."""
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except BadSignature:
            return None

    @staticmethod
    def matches(expected: str | None, given: str | None) -> bool:
        return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (sliding window, in memory, thread-safe).

    >>> limiter = RateLimiter(2, 60)
    >>> [limiter.hit("1.2.3.4") for _ in range(3)]
    [True, True, False]
    """

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used up its events in the current window (without counting one)."""
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> bool:
        """Count one event for ``key``; False (and not counted) if the limit is already reached."""
        with self._lock:
            now = time.monotonic()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 100_000:  # forget idle keys so memory stays bounded
                for idle in [k for k, v in self._events.items() if not v][:50_000]:
                    del self._events[idle]
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 if it may now)."""
        with self._lock:
            now = time.monotonic()
            events = self._recent(key, now)
            return 0.0 if len(events) < self.limit else max(0.0, events[0] + self.window - now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
