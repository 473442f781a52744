#!/bin/sh
# t_catalog.sh - `vgpuc catalog`: every section in both formats, merged files,
# the compatibility facts, and a bad catalog file (exit 2).
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

run catalog
check "catalog exits 0" rc_is 0
for s in 'files merged' 'releases (' 'compatibility (' 'gpus (' 'platforms (' 'licensing:'; do
    check "catalog text has '$s'" out_has "$s"
done
run catalog --format json
check "catalog json is one document" out_is_json
check "catalog json lists releases 13.0-20.1" jq_true '.releases | length >= 60' "$OUT"
check "catalog json has the LTS pairing rule" jq_true '.compatibility.lts_pair_from == "19.0"' "$OUT"
check "catalog json maps Q-series to vws" jq_true '.licensing.editions.Q == ["vws"]' "$OUT"
run catalog --format json --catalog "$REPO/tests/golden/catalog/lts-pair-16.yaml" releases
check "a --catalog file overrides the compatibility rule" jq_true '.compatibility.lts_pair_from == "16.0"' "$OUT"
check "a --catalog file is listed with the merged files" jq_true '.files | length == 5' "$OUT"
run catalog --catalog "$REPO/tests/golden/catalog/bad-malformed.yaml"
check "a malformed catalog exits 2" rc_is 2
check "a malformed catalog is VG9003 on stderr" err_has "[VG9003]"

# the age of each part, as of --today (VG2007 counts the same months). The
# newest release, its date and the newest platforms are read from the catalog's
# own JSON, so a new release or platform version changes nothing here.
run catalog --format json
newest=$(jq -r '.age.newest_dated_release.release' "$OUT")
dated=$(jq -r '.age.newest_dated_release.date' "$OUT")
listed=$(jq -r '.releases[-1].release' "$OUT")
local12=$(jq -r '.age.newest_platforms["azure-local"]' "$OUT")
check "catalog json names the newest dated release and platforms" test -n "$newest" -a -n "$local12" -a "$local12" != null
# later_by N: the first day of the month N months after $dated (YYYY-MM)
later_by() {
    y=${dated%%-*} m=${dated#*-}
    m=$(( ${m#0} + $1 - 1 ))
    printf '%04d-%02d-01' $((y + m / 12)) $((m % 12 + 1))
}
run catalog --today "$(later_by 3)"
check "catalog shows the age of the releases" out_has "releases   newest dated: $newest ($dated), 3 months old; newest listed: $listed"
check "catalog shows the newest platform of each family" out_has "azure-local $local12"
check "a young catalog is not called old" out_lacks "(old:"
run catalog --today "$(later_by 9)"
check "a catalog 9 months behind --today says so" out_has "9 months old (old: update vgpuc or add releases with --catalog)"
run catalog --format json --today "$(later_by 10)"
check "catalog json has the age" jq_true '.age.newest_dated_release.months == 10' "$OUT"
run catalog --today 2026-13-01
check "catalog refuses a bad --today" rc_is 2
