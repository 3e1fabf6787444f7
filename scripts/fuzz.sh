#!/usr/bin/env bash
# Fuzzes the front end (tests/fuzz/fuzz_frontend.cpp) for SECONDS (default 120) with libFuzzer,
# everything built by clang with ASan and UBSan in build/fuzz. The corpus starts from the
# bundled and test models (../shared/onnx-tests when present) and grows in build/fuzz/corpus
# between runs; a finding is saved in build/fuzz/findings/ and ends the run with exit 1.
#   scripts/fuzz.sh [SECONDS] [libFuzzer flags...]     e.g. scripts/fuzz.sh 3600 -jobs=2
# Without clang++ or libFuzzer (Debian: clang, libclang-rt-14-dev) it prints SKIPPED and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
shift || true
out=build/fuzz
if ! command -v clang++ >/dev/null; then
  echo "fuzz: SKIPPED (clang++ not found; Debian: apt-get install clang libclang-rt-14-dev)"
  exit 0
fi
probe=$(mktemp -d)
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  rm -rf "$probe"
  echo "fuzz: SKIPPED (clang++ cannot link libFuzzer; Debian: apt-get install libclang-rt-14-dev)"
  exit 0
fi
rm -rf "$probe"
cmake -S . -B "$out" -DCMAKE_CXX_COMPILER=clang++ -DO2C_FUZZ=ON -DO2C_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" >/dev/null
cmake --build "$out" --target fuzz_frontend -j"${O2C_FUZZ_JOBS:-$(nproc)}"
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
echo "fuzz: $k seed models, ${secs} s"
exec "$out/tests/fuzz/fuzz_frontend" "$out/corpus" "$out/seeds" -max_total_time="$secs" -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/findings/" "$@"
