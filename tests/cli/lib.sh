# shellcheck shell=sh
# tests/cli/lib.sh - sourced by every t_*.sh: a scratch folder, `run` to call
# vgpuc with its streams captured, one-line checks that record ok/fail in
# $RESULTS, and the fixture files the tests share.
#
#   run ARGS...         vgpuc ARGS; stdout in $OUT, stderr in $ERR, exit code in $rc
#   check DESC TEST...  record TEST (a command: rc_is 1, out_has TEXT, ...) as one test
set -u
: "${VGPUC:?set VGPUC to the vgpuc binary}"
: "${RESULTS:?run through tests/cli/run.sh}"

W=$(mktemp -d) || exit 2
S=$(mktemp -d) || exit 2
trap 'rm -rf "$W" "$S"' EXIT INT TERM
OUT=$S/out
ERR=$S/err
rc=0
cd "$W" || exit 2
unset NO_COLOR VGPUC_CATALOG VGPUC_THREADS

run() {
    "$VGPUC" "$@" >"$OUT" 2>"$ERR"
    rc=$?
}

# run_in INPUT ARGS...: like run, with stdin from INPUT
run_in() {
    input=$1
    shift
    "$VGPUC" "$@" <"$input" >"$OUT" 2>"$ERR"
    rc=$?
}

# run_from DIR INPUT ARGS...: like run_in, from the folder DIR
run_from() {
    dir=$1
    input=$2
    shift 2
    (cd "$dir" && "$VGPUC" "$@" <"$input" >"$OUT" 2>"$ERR")
    rc=$?
}

rc_is() { [ "$rc" = "$1" ]; }
out_has() { grep -qF -- "$1" "$OUT"; }
err_has() { grep -qF -- "$1" "$ERR"; }
out_lacks() { ! grep -qF -- "$1" "$OUT"; }
err_lacks() { ! grep -qF -- "$1" "$ERR"; }
out_empty() { [ ! -s "$OUT" ]; }
err_empty() { [ ! -s "$ERR" ]; }
out_is_json() { jq -e . "$OUT" >/dev/null 2>&1; }
file_is_json() { jq -e . "$1" >/dev/null 2>&1; }
jq_true() { jq -e "$1" "$2" >/dev/null 2>&1; }
has_escape() { grep -q "$(printf '\033')\[" "$1"; }
no_escape() { ! has_escape "$1"; }

check() {
    desc=$1
    shift
    if "$@"; then
        echo ok >>"$RESULTS"
    else
        echo fail >>"$RESULTS"
        printf 'FAIL %s (exit code %s)\n' "$desc" "$rc"
        printf -- '--- stdout\n'
        head -n 15 "$OUT"
        printf -- '--- stderr\n'
        head -n 15 "$ERR"
    fi
}

# A cluster with no warning or error (infos are allowed).
fixture_clean() {
    cat >"$1" <<'VGPU'
license-server dls-1 {
    kind     dls
    version  3.4.1
    editions vws
}

cluster esx-clean {
    platform       esxi 8.0u3
    vgpu-manager   19.1
    license-server dls-1

    host esx-[01..02] { gpu L40 x 1 }

    vm vdi-[01..04] {
        gpu          vgpu L40-12Q
        guest-driver 19.1
        migration    restart
    }
}
VGPU
}

# One warning (VG3103: vGPU VMs and no license server), no error.
fixture_warning() {
    cat >"$1" <<'VGPU'
cluster esx-nolicense {
    platform     esxi 8.0u3
    vgpu-manager 19.1

    host esx-[01..02] { gpu L40 x 1 }

    vm vdi-[01..04] {
        gpu          vgpu L40-12Q
        guest-driver 19.1
        migration    restart
    }
}
VGPU
}

# Errors: an unknown directive (VG1002) and an unknown GPU model (VG2001).
fixture_error() {
    cat >"$1" <<'VGPU'
cluster broken {
    platform     esxi 8.0u3
    vgpu-manger  19.1
    host esx-01 { gpu L44 x 1 }
}
VGPU
}
