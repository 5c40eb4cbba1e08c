#!/usr/bin/env bash
# Fuzzes the pure `scim` crate with cargo-fuzz (fuzz/, see docs/fuzzing.md). Usage:
#   bash scripts/fuzz.sh            # every target, one after another
#   bash scripts/fuzz.sh filter     # one target: filter, attr_path, patch or resource
# Environment: FUZZ_SECS, seconds per target (default 600); FUZZ_SANITIZER, address (default)
# or none.
# Each target runs single-process (no -fork, no -jobs) under `nice`, on a scratch copy of its
# seeds (fuzz/corpus-run/<target>, which libFuzzer grows) followed by the committed seeds
# (fuzz/corpus/<target>, read only). Crashing inputs land in fuzz/artifacts/<target>/, the
# output in fuzz/logs/<target>.log. Exits non-zero when a target crashes.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SECS:-600}
sanitizer=${FUZZ_SANITIZER:-address}
all=(filter attr_path patch resource)
if [ $# -gt 0 ]; then targets=("$1"); else targets=("${all[@]}"); fi

# cargo fuzz passes -Zsanitizer=address, which only nightly rustc accepts; RUSTC_BOOTSTRAP=1
# lets the pinned stable toolchain accept it (with FUZZ_SANITIZER=none it is not needed).
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cd fuzz
mkdir -p logs
failed=()
for target in "${targets[@]}"; do
  if [ ! -d "corpus/$target" ]; then
    echo "unknown target '$target' (expected one of: ${all[*]})" >&2
    exit 2
  fi
  mkdir -p "corpus-run/$target"
  cp -R "corpus/$target/." "corpus-run/$target/"
  echo "== $target: ${secs}s, sanitizer $sanitizer, log fuzz/logs/$target.log"
  if nice -n 10 cargo fuzz run --sanitizer "$sanitizer" --jobs 1 "$target" \
      "corpus-run/$target" "corpus/$target" -- \
      -max_total_time="$secs" -timeout=30 -dict=scim.dict -print_final_stats=1 \
      >"logs/$target.log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "logs/$target.log" || true
  else
    echo "!! $target failed; see fuzz/logs/$target.log and fuzz/artifacts/$target/" >&2
    tail -n 40 "logs/$target.log" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
