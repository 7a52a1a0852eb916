#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...].
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use
# the sanitizer flags it needs. New inputs go to fuzz/work/ (not committed); the seed corpus in
# fuzz/corpus/ is only read. A crash stops the run, exits non-zero and leaves the input in
# fuzz/artifacts/TARGET/: turn it into a regression test, then fix it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(topology units)
fi

export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
for target in "${targets[@]}"; do
  mkdir -p "work/$target"
  echo "fuzzing $target for ${seconds}s"
  # -rss_limit_mb bounds memory; -timeout flags an input slower than 10 s as a hang.
  cargo fuzz run --release "$target" "work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1
done
