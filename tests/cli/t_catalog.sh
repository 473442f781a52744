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
