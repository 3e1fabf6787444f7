#!/usr/bin/env bash
# Fuzzes the front end (tests/fuzz/fuzz_frontend.cpp) for SECONDS (default 120) with libFuzzer,
# everything built by clang with ASan and UBSan in build/fuzz (O2C_FUZZ_DIR), which also holds
# an onnx2cpp built so (the sanitize/compiler test runs it). The corpus starts from the
# bundled and test models (../shared/onnx-tests when present) and grows in build/fuzz/corpus
# between runs; a finding is saved in build/fuzz/findings/ and ends the run with exit 1, the
# reproducer's path and the command that replays it printed last.
#   scripts/fuzz.sh [SECONDS] [libFuzzer flags...]   build, then fuzz (e.g. scripts/fuzz.sh 3600 -jobs=2)
#   scripts/fuzz.sh --build                          build only (the CTest test fuzz_build)
#   scripts/fuzz.sh --run [SECONDS] [flags...]       fuzz the tree built (the CTest test fuzz_frontend)
# The long run that keeps going past findings and collects them all (scripts/fuzz.sh --long):
#   scripts/fuzz.sh 3600 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
# Without clang++ or libFuzzer (Debian: clang, libclang-rt-14-dev) it prints SKIPPED and exits
# with O2C_SKIP_CODE (default 0; CTest: 77, shown as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 run=1
case "${1:-}" in
  --build) run=0; shift ;;
  --run) build=0; shift ;;
  --long) shift; set -- "${1:-3600}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 ;;
esac
secs=${1:-120}
shift || true
out=${O2C_FUZZ_DIR:-build/fuzz}
skip() {
  echo "fuzz: SKIPPED ($1)"
  exit "${O2C_SKIP_CODE:-0}"
}
command -v clang++ >/dev/null || skip "clang++ not found; Debian: apt-get install clang libclang-rt-14-dev"
exe="$out/tests/fuzz/fuzz_frontend"
if [ "$build" = 1 ]; then
  probe=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
  if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
    rm -rf "$probe"
    skip "clang++ cannot link libFuzzer; Debian: apt-get install libclang-rt-14-dev"
  fi
  rm -rf "$probe"
  t0=$(date +%s)
  gen=""  # Ninja for a new tree when installed, as scripts/test.sh does
  if [ ! -f "$out/CMakeCache.txt" ] && command -v ninja >/dev/null; then gen=-GNinja; fi
  cmake -S . -B "$out" $gen -DCMAKE_CXX_COMPILER=clang++ -DO2C_FUZZ=ON -DO2C_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" >/dev/null
  cmake --build "$out" --target fuzz_frontend onnx2cpp -j"${O2C_FUZZ_JOBS:-$(nproc)}"
  echo "fuzz: built $out (fuzz_frontend, and onnx2cpp under ASan and UBSan) in $(($(date +%s) - t0)) s"
fi
[ "$run" = 1 ] || exit 0
[ "$secs" != 0 ] || skip "0 seconds (O2C_FUZZ_SECONDS=0)"
[ -x "$exe" ] || skip "$exe not built (scripts/fuzz.sh --build)"
# Seeds: every small model at hand (a copy each, so that the corpus folder stays the fuzzer's).
mkdir -p "$out/seeds" "$out/corpus" "$out/findings"
k=0
for f in models/*/model.onnx tests/wasm/hostile/model.onnx ../shared/onnx-tests/*/*/model.onnx; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] || continue
  cp "$f" "$out/seeds/$k.onnx"
  k=$((k + 1))
done
# And one hostile variant of each (tests/fuzz/hostile_variants.py), when python3 has onnx.
if [ ! -d "$out/seeds/variants" ] && /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 tests/fuzz/hostile_variants.py "$out/seeds/variants" "$out"/seeds/*.onnx --per-model 1 | tail -n 1
fi
# And models of the ops the compiler makes itself, which files may hold too (tests/fuzz/internal_ops.py).
if [ ! -d "$out/seeds/internal" ] && /usr/bin/python3 -c "import onnx, numpy" 2>/dev/null; then
  /usr/bin/python3 tests/fuzz/internal_ops.py "$out/seeds/internal" --variants 100 | tail -n 1
fi
echo "fuzz: $k seed models, ${secs} s"
stamp="$out/findings/.start"
touch "$stamp"
set +e
"$exe" "$out/corpus" "$out/seeds" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$out/findings/" "$@"
rc=$?
set -e
found=$(find "$out/findings" -maxdepth 1 -type f -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' \) | sort)
if [ "$rc" != 0 ] || [ -n "$found" ]; then
  echo "fuzz: FAILED (exit $rc); findings:"
  for f in $found; do
    echo "  $f"
    echo "    replay: $exe $f"
  done
  echo "  (minimize one: $exe -minimize_crash=1 -runs=10000 FILE; each becomes a [hostile] test in tests/unit/test_hostile.cpp)"
  exit 1
fi
echo "fuzz: PASSED (no finding in ${secs} s)"
