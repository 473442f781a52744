#!/bin/sh
# run.sh - replay the regression inputs, then fuzz each target FUZZ_SECONDS.
#
# Usage: FUZZ_SECONDS=N sh tests/fuzz/run.sh build-fuzz/fuzz_X...
# Seeds: examples/, tests/golden/cases/ and tests/fuzz/regressions/<target>/.
# A crash, leak, sanitizer report or timeout fails the run; the input that
# caused it is left in build-fuzz/ (crash-*, leak-*, timeout-*) and must
# become a file in tests/fuzz/regressions/<target>/.
set -eu
secs=${FUZZ_SECONDS:-60}
fail=0
pass=0
for t in "$@"; do
    name=$(basename "$t")
    corpus="build-fuzz/corpus-$name"
    mkdir -p "$corpus"
    case $name in
    fuzz_pipeline) seeds="examples tests/golden/cases" ;;
    *) seeds="catalog tests/golden/catalog" ;;
    esac
    for d in $seeds "tests/fuzz/regressions/$name"; do
        [ -d "$d" ] || continue
        find "$d" -type f -exec cp {} "$corpus/" \;
    done
    if [ -d "tests/fuzz/regressions/$name" ] && [ -n "$(ls "tests/fuzz/regressions/$name")" ]; then
        if "$t" -runs=0 "tests/fuzz/regressions/$name"/* >"build-fuzz/$name-regressions.log" 2>&1; then
            pass=$((pass + 1))
        else
            echo "FAIL: $name regression inputs (build-fuzz/$name-regressions.log)"
            fail=$((fail + 1))
        fi
    fi
    echo "== $name: fuzzing for $secs s"
    if (cd build-fuzz && "../$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -dict=../tests/fuzz/vgpu.dict -print_final_stats=1 "corpus-$name") >"build-fuzz/$name.log" 2>&1; then
        grep -E 'stat::number_of_executed_units|cov:' "build-fuzz/$name.log" | tail -n 2
        pass=$((pass + 1))
    else
        tail -n 40 "build-fuzz/$name.log"
        echo "FAIL: $name found a crash (build-fuzz/$name.log)"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
