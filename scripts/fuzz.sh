#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...].
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). CI runs `scripts/fuzz.sh 60`; for a long
# hunt, `scripts/fuzz.sh 3600`. Built without a sanitizer by default (FUZZ_SANITIZER=none, see
# docs/fuzzing.md): the code is safe Rust, so what we look for is panics, overflows (debug assertions
# stay on), hangs and runaway memory. FUZZ_SANITIZER=address brings ASan back (nightly flags:
# RUSTC_BOOTSTRAP=1 on a stable toolchain) at several times the build time. New inputs go to
# fuzz/work/TARGET (not committed); the seed corpus fuzz/corpus/TARGET and the dictionary
# fuzz/dict/TARGET.dict are only read. A crash, a hang (over 10 s for one input) or a memory blow-up
# (over 2 GB) leaves its input in fuzz/artifacts/TARGET/, the other targets still run, and the script
# exits 1: turn the input into a regression test, then fix the bug.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(topology units)
fi

export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
# --release with debug assertions; 16 codegen units build the instrumented crate in parallel.
flags=(--release --debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}" --codegen-units 16)

# cargo fuzz has no --locked: check here that fuzz/Cargo.lock is up to date, so the build uses it as is.
if ! cargo fetch --locked; then
  echo "fuzz/Cargo.lock is out of date: run \`cp Cargo.lock fuzz/ && (cd fuzz && cargo fetch)\` and commit it" >&2
  exit 2
fi
start=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $(($(date +%s) - start))s"

failed=()
for target in "${targets[@]}"; do
  mkdir -p "work/$target"
  echo "fuzzing $target for ${seconds}s"
  # -rss_limit_mb bounds memory; -timeout flags an input slower than 10 s as a hang. The log keeps
  # libFuzzer's pulses, any failure and the final stats, not one line per new input.
  set +e
  cargo fuzz run "${flags[@]}" "$target" "work/$target" "corpus/$target" -- -dict="dict/$target.dict" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 2>&1 |
    grep -a -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE)|NEW_FUNC|^"|^INFO:|^WARNING: Failed to find|^###|^[[:space:]]*$'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a failing input in: ${failed[*]} (see fuzz/artifacts/)" >&2
  exit 1
fi
