#!/bin/sh
# run.sh - replay the saved regression inputs, then fuzz each target for
# FUZZ_SECONDS; `make fuzz` calls it after building the targets.
#
# Usage (from the repository root): FUZZ_SECONDS=N sh tests/fuzz/run.sh build-fuzz/fuzz_X...
#
# Each file of tests/fuzz/regressions/<target>/ is replayed alone and counts
# as one test; then each target fuzzes once (one more test). A crash, leak,
# sanitizer report or timeout fails; libFuzzer leaves the input in
# build-fuzz/<target>-crash-* (leak-*, timeout-*, oom-*), which is minimised
# and saved as a regression file (docs/fuzzing.md). The last line is always
# "N passed, M failed"; the exit status is 0 only when M is 0.
#
# Seeds (copied into build-fuzz/corpus-<target>, which grows across runs):
#   fuzz_pipeline  examples/, tests/golden/cases/, tests/golden/build/ (*.vgpu)
#   fuzz_scan      examples/, tests/golden/cases/ (*.vgpu)
#   fuzz_yaml      catalog/, tests/golden/catalog/, tests/fuzz/seeds/yaml/
# plus the target's regression inputs. The target runs in a scratch folder
# (build-fuzz/work-<target>) holding the files the seeds include, so an
# `include` in a fuzzed input resolves there; stdin is /dev/null, so an
# include of /dev/stdin cannot block.
set -eu

secs=${FUZZ_SECONDS:-60}
top=$(pwd)
out="$top/build-fuzz"
pass=0
fail=0

# Replay one saved input: it must run to the end without any report.
replay() {
    bin=$1 input=$2 log=$3
    if (cd "$work" && "$bin" -runs=1 -timeout=10 -rss_limit_mb=2048 "$input") </dev/null >"$log" 2>&1; then
        pass=$((pass + 1))
    else
        echo "FAIL: $input (log: $log)"
        grep -E '^SUMMARY|ERROR: (Address|Leak|libFuzzer)|runtime error' "$log" | head -n 3 || true
        fail=$((fail + 1))
    fi
}

for t in "$@"; do
    name=$(basename "$t")
    bin="$top/$t"
    corpus="$out/corpus-$name"
    work="$out/work-$name"
    regress="$top/tests/fuzz/regressions/$name"
    mkdir -p "$corpus" "$work/include"
    case $name in
    fuzz_pipeline)
        dict=vgpu.dict
        seeds="examples/*.vgpu tests/golden/cases/*.vgpu tests/golden/build/*.vgpu"
        cp examples/licensing.vgpu "$work/"
        cp tests/golden/cases/include/*.vgpu "$work/include/"
        ;;
    fuzz_scan)
        dict=vgpu.dict
        seeds="examples/*.vgpu tests/golden/cases/*.vgpu"
        ;;
    fuzz_yaml)
        dict=yaml.dict
        seeds="catalog/*.yaml tests/golden/catalog/*.yaml tests/fuzz/seeds/yaml/*"
        ;;
    *)
        echo "run.sh: no seeds known for $name" >&2
        fail=$((fail + 1))
        continue
        ;;
    esac

    if [ -d "$regress" ]; then
        n=0
        for f in "$regress"/*; do
            [ -f "$f" ] || continue
            n=$((n + 1))
            replay "$bin" "$f" "$out/$name-replay-$(basename "$f").log"
        done
        echo "== $name: replayed $n regression inputs"
    fi

    # shellcheck disable=SC2086 # the seed globs are meant to expand here
    for f in $seeds; do
        if [ -f "$f" ]; then cp "$f" "$corpus/"; fi
    done
    if [ -d "$regress" ]; then
        for f in "$regress"/*; do
            if [ -f "$f" ]; then cp "$f" "$corpus/"; fi
        done
    fi

    echo "== $name: fuzzing for $secs s"
    log="$out/$name.log"
    if (cd "$work" && "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
        -dict="$top/tests/fuzz/$dict" -artifact_prefix="$out/$name-" -print_final_stats=1 "$corpus") \
        </dev/null >"$log" 2>&1; then
        grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -n 1 || true
        grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
        pass=$((pass + 1))
    else
        tail -n 40 "$log"
        echo "FAIL: $name found a crash, leak or timeout (log: $log; input: $out/$name-*)"
        fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
