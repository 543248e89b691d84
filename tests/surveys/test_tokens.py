from __future__ import annotations

import pytest

from cxlens.exceptions import ConfigurationError, SubmissionTokenError
from cxlens.surveys import issue_token, parse_rate, read_token

SECRET = b"0123456789abcdef0123456789abcdef"


def test_a_token_round_trips_and_keys_the_response() -> None:
    token = issue_token(SECRET, 7, now=1_000_000)
    parsed = read_token(SECRET, token, version_id=7, now=1_000_060)
    assert (parsed.version_id, parsed.issued_at) == (7, 1_000_000)
    assert parsed.idempotency_key == f"web:{parsed.nonce}" and len(parsed.nonce) == 22
    assert issue_token(SECRET, 7, now=1_000_000) != token  # a fresh nonce each time


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda tok: tok[:-2] + ("AA" if not tok.endswith("AA") else "BB"), "not issued by this server"),
        (lambda tok: tok.replace(".7.", ".8.", 1), "not issued by this server"),
        (lambda tok: "garbage", "malformed"),
        (lambda tok: "", "malformed"),
    ],
)
def test_forged_tokens_are_refused(mutate: object, match: str) -> None:
    token = issue_token(SECRET, 7, now=1_000_000)
    with pytest.raises(SubmissionTokenError, match=match):
        read_token(SECRET, mutate(token), now=1_000_001)  # type: ignore[operator]


def test_expired_wrong_version_and_wrong_secret() -> None:
    token = issue_token(SECRET, 7, now=1_000_000)
    with pytest.raises(SubmissionTokenError, match="expired"):
        read_token(SECRET, token, now=1_000_000 + 86_401)
    with pytest.raises(SubmissionTokenError, match="another survey version"):
        read_token(SECRET, token, version_id=8, now=1_000_001)
    with pytest.raises(SubmissionTokenError, match="not issued"):
        read_token(b"another-secret-of-32-bytes-long!", token, now=1_000_001)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        issue_token(b"short", 1)


def test_rates() -> None:
    assert parse_rate("30/min") == (30, 60.0)
    assert parse_rate("0/min") == (0, 60.0)
    assert parse_rate("5/10s") == (5, 10.0)
    with pytest.raises(ConfigurationError, match="COUNT/PERIOD"):
        parse_rate("lots")
    with pytest.raises(ConfigurationError, match="must be positive"):
        parse_rate("3/0s")
