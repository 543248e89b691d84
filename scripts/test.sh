#!/usr/bin/env bash
# The "pass the tests" command: lint, type-check and run the test suite, on a fresh machine too.
#
#   scripts/test.sh [pytest args...]      e.g. scripts/test.sh -k postgres -x
#
# Creates .venv if missing, installs the package with its test extra, starts a throwaway
# PostgreSQL via scripts/pg.sh (stopped again on exit if this script started it), then runs
# ruff, mypy and pytest. Every step runs even if an earlier one failed; the exit status is
# non-zero if any step failed.
#
# If CXLENS_TEST_POSTGRES_URL is already set, that server is used and scripts/pg.sh is skipped.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

heading() { printf '\n==> %s\n' "$*"; }

heading "Python virtual environment (.venv)"
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv; then
        # Debian/Ubuntu ship venv/ensurepip separately.
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            rm -rf .venv
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
            python3 -m venv .venv
        else
            echo "error: 'python3 -m venv' failed; install python3-venv (Debian/Ubuntu) and retry" >&2
            exit 1
        fi
    fi
    echo "created .venv with $(.venv/bin/python --version)"
else
    echo "using existing .venv ($(.venv/bin/python --version))"
fi

heading "Installing cxlens and its test dependencies (pip install -e '.[test]')"
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

heading "Debian packages: a CJK font for report charts and PDFs, Chromium for the browser tests"
need=()
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
    echo "fonts-wqy-microhei and chromium are installed"
elif command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; then
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
else
    echo "warning: cannot install ${need[*]} (no apt-get): report tests fail, browser tests skip" >&2
fi

heading "PostgreSQL for the tests"
we_started_pg=0
stop_pg() {
    if [ "$we_started_pg" = 1 ]; then
        heading "Stopping the PostgreSQL started by this script"
        bash scripts/pg.sh stop || true
    fi
}
trap stop_pg EXIT
if [ -n "${CXLENS_TEST_POSTGRES_URL:-}" ]; then
    echo "using CXLENS_TEST_POSTGRES_URL from the environment"
else
    if ! bash scripts/pg.sh status 2>/dev/null; then
        we_started_pg=1
    fi
    pg_out=$(bash scripts/pg.sh)
    pg_line=${pg_out##*$'\n'}
    case "$pg_line" in
        CXLENS_TEST_POSTGRES_URL=?*) ;;
        *) echo "error: scripts/pg.sh did not print CXLENS_TEST_POSTGRES_URL=... (got: '$pg_line')" >&2; exit 1 ;;
    esac
    export CXLENS_TEST_POSTGRES_URL="${pg_line#CXLENS_TEST_POSTGRES_URL=}"
fi
echo "CXLENS_TEST_POSTGRES_URL=$CXLENS_TEST_POSTGRES_URL"

failed=()

heading "Lint: ruff check src tests bench"
if ! .venv/bin/ruff check src tests bench; then failed+=(ruff); fi

heading "Types: mypy (configured in pyproject.toml)"
if ! .venv/bin/mypy; then failed+=(mypy); fi

heading "Tests: pytest -q $*"
if ! .venv/bin/python -m pytest -q "$@"; then failed+=(pytest); fi

if [ "${#failed[@]}" -gt 0 ]; then
    heading "FAILED: ${failed[*]}"
    exit 1
fi
heading "All checks passed (ruff, mypy, pytest)"
