from __future__ import annotations

import pytest

from cxlens import exceptions as exc


def test_issue_says_where_and_why() -> None:
    issue = exc.Issue("t.csv", 7, "金额", "abc", "not a number")
    assert str(issue) == "t.csv, row 7, column '金额': value 'abc': not a number"
    assert str(exc.Issue("t.csv", None, None, None, "empty file")) == "t.csv: empty file"
    long = exc.Issue("t.csv", 2, "text", "x" * 100, "too long")
    assert "xxx..." in str(long) and len(str(long)) < 120


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (exc.WorkspaceNotFoundError, FileNotFoundError),
        (exc.WorkspaceExistsError, FileExistsError),
        (exc.MappingError, ValueError),
        (exc.ConfigurationError, ValueError),
        (exc.InvalidRowsError, ValueError),
    ],
)
def test_errors_are_also_the_builtin_a_caller_expects(error: type[Exception], builtin: type[Exception]) -> None:
    assert issubclass(error, builtin) and issubclass(error, exc.CxlensError)
