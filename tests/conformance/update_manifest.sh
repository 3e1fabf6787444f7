#!/usr/bin/env bash
# Regenerates tests/conformance/manifest.txt for the current compiler.
#
#   tests/conformance/update_manifest.sh [-B SCRATCH_BUILD_DIR] [-j JOBS] [--data DIR]
#                                        [-o MANIFEST] [--no-verify]
#
# 1. configures a scratch build (default: <repo>/build-conformance-manifest) and builds onnx2cpp;
# 2. runs `onnx2cpp check` on every test of the ONNX backend data;
# 3. builds every supported one through the normal batch machinery (the scratch build gets
#    -DO2C_CONFORMANCE_MANIFEST=<a manifest listing all of them>) and runs them with ctest;
#    the tests of a batch that does not build are retried in batches of 5, then one by one, so
#    one bad model does not sink the others;
# 4. writes the manifest: a pass line per passing test (keeping the rtol/atol overrides and
#    comments of the current manifest), an xfail line with the first line of the failure for
#    the others (run failures, generated code that does not compile, models onnx2cpp rejects
#    as invalid or crashes on);
# 5. unless --no-verify: reconfigures with the new manifest and runs `ctest -L conformance`
#    (build, every test, summary) as CI would.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$src/build-conformance-manifest
jobs=$(nproc 2>/dev/null || echo 2)
data=$(cd "$src/.." && pwd)/shared/onnx-tests
out=$here/manifest.txt
verify=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -B) build=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --no-verify) verify=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "update_manifest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -d $data ]] || { echo "update_manifest.sh: no ONNX test data at $data (use --data)" >&2; exit 2; }
data=$(cd "$data" && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
work=$build/manifest-work
rm -rf "$work"
mkdir -p "$work/check" "$work/results"
suites=(node pytorch-converted pytorch-operator simple light)
t_start=$(date +%s)
log() { echo "[update_manifest $(($(date +%s) - t_start))s] $*"; }

configure() {  # configure MANIFEST BATCH_SIZE
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DO2C_ONNX_TESTS_DIR="$data" \
        -DO2C_CONFORMANCE_MANIFEST="$1" -DO2C_CONFORMANCE_BATCH_SIZE="$2" > "$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
}

# ---- 1. scratch build, onnx2cpp ---------------------------------------------------------------
: > "$work/empty.txt"
configure "$work/empty.txt" 25
log "building onnx2cpp in $build"
cmake --build "$build" --target onnx2cpp --parallel "$jobs" > "$work/build_onnx2cpp.log" 2>&1 ||
  { tail -50 "$work/build_onnx2cpp.log"; exit 1; }
onnx2cpp=$build/onnx2cpp

# ---- 2. check everything ------------------------------------------------------------------------
: > "$work/all"
for s in "${suites[@]}"; do
  [[ -d $data/$s ]] || continue
  if [[ $s == light ]]; then
    for f in "$data/$s"/light_*.onnx; do [[ -e $f ]] && echo "$s/$(basename "$f" .onnx)"; done
  else
    for d in "$data/$s"/*/; do [[ -f $d/model.onnx ]] && echo "$s/$(basename "$d")"; done
  fi
done | LC_ALL=C sort > "$work/all"
check_one() {
  local onnx2cpp=$1 data=$2 dir=$3 t=$4 model msg rc
  if [[ $t == light/* ]]; then model=$data/$t.onnx; else model=$data/$t/model.onnx; fi
  msg=$(timeout 300 "$onnx2cpp" check "$model" 2>&1 >/dev/null) && rc=0 || rc=$?
  # A graph input that must be known at compile time (a Reshape shape, Slice bounds...) is
  # frozen to its test_data_set_0 value (onnx2cpp --freeze) and the check repeated.
  # A sequence or optional input gets its length and elements' shapes from the same data, an
  # input with a symbolic dim its shape (onnx2cpp --shape NAME=DIR).
  local freeze=() frozen="" shaped="" name m2 rc2 k
  for k in 1 2 3 4 5 6 7 8; do
    if [[ $rc -eq 2 && $msg =~ input\ \"([A-Za-z0-9_.:/-]+)\"\ (is\ (a\ sequence|an\ optional)\;\ its|dim\ [0-9]+\ is\ the\ symbol) ]]; then
      name=${BASH_REMATCH[1]}
      [[ -d $data/$t/test_data_set_0 ]] || break
      freeze+=(--shape "$name=$data/$t/test_data_set_0")
      msg=$(timeout 300 "$onnx2cpp" check "$model" "${freeze[@]}" 2>&1 >/dev/null) && rc=0 || rc=$?
      shaped=${shaped:+$shaped,}$name
      continue
    fi
    [[ $rc -eq 3 && $msg =~ \(input\ [0-9]+\ \"([A-Za-z0-9_.:/-]+)\"\)\ must\ be\ known\ at\ compile\ time ]] || break
    name=${BASH_REMATCH[1]}
    [[ -d $data/$t/test_data_set_0 ]] || break
    freeze+=(--freeze "$name=$data/$t/test_data_set_0")
    m2=$(timeout 300 "$onnx2cpp" check "$model" "${freeze[@]}" 2>&1 >/dev/null) && rc2=0 || rc2=$?
    [[ $rc2 -eq 2 ]] && break  # not a graph input: stays unsupported
    rc=$rc2 msg=$m2 frozen=${frozen:+$frozen,}$name
  done
  { echo "$rc"; echo "$frozen"; echo "$shaped"; printf '%s\n' "$msg"; } > "$dir/${t/\//__}"
}
export -f check_one
log "onnx2cpp check on $(wc -l < "$work/all") tests"
xargs -a "$work/all" -P "$jobs" -I{} bash -c 'check_one "$@"' _ "$onnx2cpp" "$data" "$work/check" {}
: > "$work/supported"
declare -A frz shp
while read -r t; do
  rc=$(head -n 1 "$work/check/${t/\//__}")
  fz=$(sed -n 2p "$work/check/${t/\//__}")
  sh=$(sed -n 3p "$work/check/${t/\//__}")
  [[ -n $fz && $rc -eq 0 ]] && frz[$t]=$fz
  [[ -n $sh && $rc -eq 0 ]] && shp[$t]=$sh
  case $rc in
    0) echo "$t" >> "$work/supported" ;;
    3) ;;
    *) first=$(sed -n 4p "$work/check/${t/\//__}" | sed -E 's#/[^ ]*/model\.onnx: ##; s#/[^ ]*\.onnx: ##')
       echo "xfail $t # onnx2cpp check exits $rc: ${first:-no message}" > "$work/results/${t/\//__}" ;;
  esac
done < "$work/all"
log "$(wc -l < "$work/supported") supported"

# The current manifest's pass options ("rtol=.. atol=.. # why") are kept, and so are xfail
# reasons written by hand ("# known: ...") while the test still fails.
declare -A opts known
if [[ -f $out ]]; then
  while IFS= read -r raw; do
    line=${raw%%#*}
    read -r a rest <<< "$line" || true
    if [[ ${a:-} == xfail && $raw == *"# known:"* ]]; then
      read -r t _ <<< "$rest"
      known[$t]=${raw#*# }
    fi
    [[ -z ${a:-} || $a == xfail ]] && continue
    o=$(echo "$rest" | xargs)
    [[ $raw == *"#"* ]] && o="$o  #${raw#*#}"
    [[ -n $o ]] && opts[$a]=$o
  done < "$out"
fi
# freeze= and shape= come from this run's checks, not from the old manifest.
for t in "${!opts[@]}"; do opts[$t]=$(sed -E 's/(^| )(freeze|shape)=[^ ]*//g' <<< "${opts[$t]}" | sed -E 's/^ +//'); done
for t in "${!shp[@]}"; do opts[$t]="shape=${shp[$t]}${opts[$t]:+ ${opts[$t]}}"; done
for t in "${!frz[@]}"; do opts[$t]="freeze=${frz[$t]}${opts[$t]:+ ${opts[$t]}}"; done

# ---- 3. build and run, retrying the tests of broken batches in smaller batches -------------
status=$build/conformance/status
first_error() {  # the first error of building one batch target
  cmake --build "$build" --target "$1" 2>&1 |
    grep -m1 -E ': error: |: (fatal|internal compiler) error|onnx2cpp: (error|unsupported|internal)|Error [0-9]' |
    sed -E 's#^/[^ :]*/##' | cut -c1-300 || true
}
round() {  # round TESTS_FILE BATCH_SIZE -> writes results, leaves broken tests in $work/broken
  local list=$1 size=$2 m=$work/manifest.round.txt
  while read -r t; do echo "$t ${opts[$t]:-}"; done < "$list" > "$m"
  configure "$m" "$size"
  rm -f "$build"/tests/conformance/conformance_batch_*
  # A compiler that does not build would make every batch look broken.
  cmake --build "$build" --target onnx2cpp --parallel "$jobs" > "$work/build_onnx2cpp.log" 2>&1 ||
    { tail -30 "$work/build_onnx2cpp.log"; log "onnx2cpp does not build"; exit 1; }
  log "building $(wc -l < "$list") tests in batches of $size"
  cmake --build "$build" --target conformance --parallel "$jobs" -- -k > "$work/build_$size.log" 2>&1 || true
  : > "$work/broken"
  local built=()
  while read -r target exe tests; do
    if [[ -x $exe ]]; then
      built+=("$target")
    else
      tr ';' '\n' <<< "$tests" >> "$work/broken"
      if [[ $size -eq 1 ]]; then
        local t=$tests err
        err=$(first_error "$target")
        echo "xfail $t # generated code does not build: ${err:-see the build log}" > "$work/results/${t/\//__}"
      fi
    fi
  done < "$build/conformance/batches.txt"
  log "${#built[@]} batches built, $(wc -l < "$work/broken") tests in broken batches"
  rm -rf "$status"
  mkdir -p "$status"
  (cd "$build" && ctest -L conformance -E '^conformance_(build|summary)$' -j "$jobs" > "$work/ctest_$size.log" 2>&1) || true
  while read -r t; do
    grep -qxF "$t" "$work/broken" && continue
    local f=${t/\//__} st
    st=$(head -n 1 "$status/$f" 2>/dev/null || echo "FAIL: no result")
    if [[ $st == PASS ]]; then
      echo "$t ${opts[$t]:-}" > "$work/results/$f"
    else
      echo "xfail $t # ${st#FAIL: }" | cut -c1-400 > "$work/results/$f"
    fi
  done < "$list"
}
cp "$work/supported" "$work/todo"
for size in 25 5 1; do
  [[ -s $work/todo ]] || break
  round "$work/todo" "$size"
  cp "$work/broken" "$work/todo"
done

# ---- 4. write the manifest --------------------------------------------------------------------
tmp_out=$work/manifest.new
{
  echo "# ONNX backend conformance manifest: one line per test expected to pass,"
  echo "#   suite/test [rtol=X] [atol=Y]   (default rtol=1e-3 atol=1e-7; loosen only with a # reason)"
  echo "# and one per test onnx2cpp accepts but that is known to fail,"
  echo "#   xfail suite/test # reason"
  echo "# Tests not listed must be rejected by \`onnx2cpp check\` as unsupported (exit 3)."
  echo "# Regenerate with tests/conformance/update_manifest.sh: it keeps rtol/atol overrides and"
  echo "# xfail reasons written by hand as \"# known: ...\" (while the test still fails)."
  for s in "${suites[@]}"; do
    files=$(ls "$work/results" | grep "^${s}__" || true)
    [[ -n $files ]] || continue
    echo
    echo "# ---- $s"
    for f in $files; do sed -E 's/[[:space:]]+$//' "$work/results/$f"; done | LC_ALL=C sort -k1,1 |
      awk '$1 != "xfail"'
    for f in $files; do
      read -r a t _ < "$work/results/$f"
      if [[ $a == xfail && -n ${known[$t]:-} ]]; then echo "xfail $t # ${known[$t]}"; else cat "$work/results/$f"; fi
    done | LC_ALL=C sort -k2,2 | awk '$1 == "xfail"' | sed "s/‘/'/g; s/’/'/g"
  done
} > "$tmp_out"
cp "$tmp_out" "$out"
n_pass=$(grep -cvE '^(#|xfail|$)' "$out" || true)
n_xfail=$(grep -c '^xfail' "$out" || true)
log "wrote $out: $n_pass pass, $n_xfail xfail"

# ---- 5. verify like CI --------------------------------------------------------------------------
if [[ $verify -eq 1 ]]; then
  configure "$out" 25
  log "verifying: ctest -L conformance in $build"
  (cd "$build" && ctest -L conformance -j "$jobs" --output-on-failure > "$work/verify.log" 2>&1) && ok=1 || ok=0
  sed -n '/== ONNX backend conformance/,/conformance summary:/p' "$build/Testing/Temporary/LastTest.log" | grep -v '^[0-9]*: ' || true
  grep -E "tests passed|Total Test time" "$work/verify.log" || true
  if [[ $ok -ne 1 ]]; then
    log "verification FAILED: see $work/verify.log"
    exit 1
  fi
fi
log "done"
