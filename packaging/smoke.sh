#!/bin/sh
# CI smoke test of the packaged app: build the onedir bundle, then run its `--version` and its
# `--self-test` (offscreen). Fails on a non-zero exit or a Python traceback on stderr, and prints
# the bundle size and the times taken.
#
# Usage: packaging/smoke.sh [PYTHON]   (default: python3; it needs the app and PyInstaller installed)
# SMOKE_SKIP_BUILD=1 reuses an existing dist/webhook-inspector.
set -eu

PYTHON=${1:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE="$ROOT/dist/webhook-inspector"
EXE="$BUNDLE/webhook-inspector"
LOG=$(mktemp -d "${TMPDIR:-/tmp}/webhook-inspector-smoke.XXXXXX")
trap 'rm -rf "$LOG"' EXIT

# GNU date gives nanoseconds; elsewhere fall back to Python (adds its start-up to each reading).
if date +%N | grep -q '^[0-9]'; then
    now() { date +%s.%N; }
else
    now() { "$PYTHON" -c 'import time; print(time.time())'; }
fi
elapsed() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

fail() {
    echo "smoke: FAIL: $*" >&2
    exit 1
}

# Runs "$@" with stdout/stderr captured; fails on a non-zero exit or a traceback on stderr.
check_run() {
    name=$1
    shift
    start=$(now)
    status=0
    "$@" >"$LOG/$name.out" 2>"$LOG/$name.err" || status=$?
    took=$(elapsed "$start" "$(now)")
    cat "$LOG/$name.out"
    if [ -s "$LOG/$name.err" ]; then
        sed 's/^/  stderr: /' "$LOG/$name.err" >&2
    fi
    [ "$status" -eq 0 ] || fail "$name exited $status"
    if grep -q "Traceback" "$LOG/$name.err"; then
        fail "$name printed a traceback"
    fi
    echo "smoke: $name ok in $took s"
}

if [ "${SMOKE_SKIP_BUILD:-0}" != 1 ]; then
    start=$(now)
    "$PYTHON" "$ROOT/packaging/build.py" || fail "build failed"
    echo "smoke: build took $(elapsed "$start" "$(now)") s"
fi
[ -x "$EXE" ] || fail "no executable at $EXE"

check_run version "$EXE" --version
grep -q "^webhook-inspector [0-9]" "$LOG/version.out" || fail "--version printed no version"

# The self-test must never see the user's data: it uses a temp dir; HOME is pointed away as well.
check_run self-test env QT_QPA_PLATFORM=offscreen HOME="$LOG/home" "$EXE" --self-test
grep -q "^self-test passed" "$LOG/self-test.out" || fail "--self-test did not report passing"
if grep -q "^FAIL" "$LOG/self-test.out"; then
    fail "--self-test has a failing check"
fi

# Linux: the spec trims ICU's data; Qt must behave on it as on the full data.
if [ "$(uname -s)" = Linux ]; then
    "$PYTHON" "$ROOT/packaging/check_icu_trim.py" "$BUNDLE" || fail "Qt behaves differently on the trimmed ICU data"
fi

echo "smoke: bundle size on disk: $(du -sk "$BUNDLE" | cut -f1) KiB ($(du -sh "$BUNDLE" | cut -f1))"
echo "smoke: passed"
