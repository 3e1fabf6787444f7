#!/usr/bin/env bash
# Conformance summary over the whole ONNX backend test data.
#   summary.sh ONNX2CPP TESTS_DIR MANIFEST STATUS_DIR
# For every test of every suite (light: every light_*.onnx):
#   manifest pass entry  -> STATUS_DIR/<suite>__<test> must say PASS (missing or FAIL: failed)
#   manifest xfail entry -> failed, with the manifest's reason
#   anything else        -> `onnx2cpp check`: exit 3 = not supported; exit 0 (or any other
#                           exit) = ERROR, the manifest is incomplete
# Prints one line per suite "<suite>: N passed, M failed, K not supported", the failures with
# their reasons and a histogram of the reasons for "not supported"; writes support.md beside
# STATUS_DIR (every test that does not pass, grouped by reason), which must equal docs/support.md.
# Exits 1 if a pass entry failed, the manifest is incomplete or docs/support.md is stale.
#
#   summary.sh --pass-only TESTS_DIR MANIFEST STATUS_DIR TARGET
# (the WebAssembly tree) only counts the manifest's pass entries: "<suite>: N passed, M failed
# (under TARGET)"; which tests are supported does not depend on the target.
set -u
pass_only=0 target=""
if [[ ${1:-} == --pass-only && $# -eq 5 ]]; then
  pass_only=1 target=$5
  set -- "" "$2" "$3" "$4"
elif [[ $# -ne 4 ]]; then
  echo "usage: $0 ONNX2CPP TESTS_DIR MANIFEST STATUS_DIR" >&2
  echo "       $0 --pass-only TESTS_DIR MANIFEST STATUS_DIR TARGET" >&2
  exit 2
fi
onnx2cpp=$1 data=$2 manifest=$3 status=$4
suites=(node pytorch-converted pytorch-operator simple light)
jobs=$(nproc 2>/dev/null || echo 2)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/o2c_summary.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Also kept in <build>/conformance/summary.txt, which scripts/test.sh prints at the end.
exec > >(tee "$(dirname "$status")/summary.txt")

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# ---- the manifest ------------------------------------------------------------------------
declare -A kind reason frozen bounded
while IFS= read -r raw || [[ -n $raw ]]; do
  line=${raw%%#*}
  comment=""
  [[ $raw == *"#"* ]] && comment=$(trim "${raw#*#}")
  read -r a b _ <<< "$line" || true
  [[ -z ${a:-} ]] && continue
  if [[ $a == xfail ]]; then
    kind[$b]=xfail
    reason[$b]=${comment:-no reason given}
  else
    kind[$a]=pass
    [[ $line == *freeze=* ]] && frozen[$a]=1
    [[ $line == *" max="* ]] && bounded[$a]=1
  fi
done < "$manifest"

# ---- every test; `onnx2cpp check` on those not in the manifest (in parallel) --------------
: > "$tmp/all"
for s in "${suites[@]}"; do
  [[ -d $data/$s ]] || continue
  if [[ $s == light ]]; then
    for f in "$data/$s"/light_*.onnx; do
      [[ -e $f ]] && echo "$s/$(basename "$f" .onnx)" >> "$tmp/all"
    done
  else
    for d in "$data/$s"/*/; do
      [[ -f $d/model.onnx ]] && echo "$s/$(basename "$d")" >> "$tmp/all"
    done
  fi
done
if [[ $pass_only -eq 1 ]]; then  # only the pass entries matter
  while read -r t; do
    [[ ${kind[$t]:-} == pass ]] && echo "$t"
  done < "$tmp/all" > "$tmp/pass_entries"
  mv "$tmp/pass_entries" "$tmp/all"
fi
while read -r t; do
  [[ -z ${kind[$t]:-} ]] && echo "$t"
done < "$tmp/all" > "$tmp/to_check"

check_one() {  # writes $tmp/check/<suite>__<test>: exit code, then the messages
  local onnx2cpp=$1 data=$2 out=$3 t=$4 model
  if [[ $t == light/* ]]; then model=$data/$t.onnx; else model=$data/$t/model.onnx; fi
  local msg rc
  msg=$(timeout 300 "$onnx2cpp" check "$model" 2>&1 >/dev/null)
  rc=$?
  { echo "$rc"; printf '%s\n' "$msg"; } > "$out/${t/\//__}"
}
export -f check_one
mkdir -p "$tmp/check"
xargs -a "$tmp/to_check" -r -P "$jobs" -I{} bash -c 'check_one "$@"' _ "$onnx2cpp" "$data" "$tmp/check" {}

# ---- classify -------------------------------------------------------------------------------
declare -A n_pass n_fail n_unsup
failed=() errors=()
: > "$tmp/reasons"
for s in "${suites[@]}"; do n_pass[$s]=0; n_fail[$s]=0; n_unsup[$s]=0; done
bad=0
: > "$tmp/support"  # "reason<TAB>test" for every test that does not pass
while read -r t; do
  s=${t%%/*}
  f=${t/\//__}
  case ${kind[$t]:-} in
    pass)
      st=""
      [[ -f $status/$f ]] && st=$(head -n 1 "$status/$f")
      if [[ $st == PASS ]]; then
        n_pass[$s]=$((n_pass[$s] + 1))
      else
        n_fail[$s]=$((n_fail[$s] + 1))
        failed+=("$t: ${st:-no result (batch not built or test not run)}")
        bad=1
      fi
      ;;
    xfail)
      n_fail[$s]=$((n_fail[$s] + 1))
      failed+=("$t (xfail): ${reason[$t]}")
      printf 'fails: %s\t%s\n' "${reason[$t]}" "$t" >> "$tmp/support"
      ;;
    *)
      rc=$(head -n 1 "$tmp/check/$f")
      first=$(sed -n 2p "$tmp/check/$f")
      if [[ $rc == 3 ]]; then
        n_unsup[$s]=$((n_unsup[$s] + 1))
        if [[ $first == *"unsupported ops:"* ]]; then
          # "  Loop (1 node: #0)" lines follow
          sed -n '3,$p' "$tmp/check/$f" | sed -nE 's/^  ([A-Za-z0-9_.:-]+) \(.*/op \1/p' > "$tmp/why"
        else
          # drop the prefix, the model path, node numbers and quoted names
          printf '%s\n' "$first" | sed -E 's/^onnx2cpp: unsupported: //; s#^[^ ]*\.onnx: ##; s/node \[[0-9]+\] //; s/ ?"[^"]*"//g' > "$tmp/why"
        fi
        cat "$tmp/why" >> "$tmp/reasons"
        printf '%s\t%s\n' "$(sed 's/^op /unsupported op /' "$tmp/why" | paste -sd ' ')" "$t" >> "$tmp/support"
      elif [[ $rc == 0 ]]; then
        errors+=("$t: compiles but is not in the manifest: add it as pass or xfail")
        bad=1
      else
        errors+=("$t: onnx2cpp check exits $rc (neither supported nor unsupported): ${first:-no message}; add it as xfail")
        bad=1
      fi
      ;;
  esac
done < "$tmp/all"
for t in "${!kind[@]}"; do
  [[ $pass_only -eq 1 ]] && continue
  grep -qxF "$t" "$tmp/all" || { errors+=("$t: in the manifest but not in $data"); bad=1; }
done

# ---- report -----------------------------------------------------------------------------------
if [[ $pass_only -eq 1 ]]; then
  echo "== ONNX backend conformance under $target (${data}): the manifest's pass entries =="
else
  echo "== ONNX backend conformance (${data}) =="
fi
for s in "${suites[@]}"; do
  [[ -d $data/$s ]] || continue
  if [[ $pass_only -eq 1 ]]; then
    echo "$s: ${n_pass[$s]} passed, ${n_fail[$s]} failed"
  else
    echo "$s: ${n_pass[$s]} passed, ${n_fail[$s]} failed, ${n_unsup[$s]} not supported"
  fi
done
n_bounded=0
for t in "${!bounded[@]}"; do [[ $(head -n 1 "$status/${t/\//__}" 2>/dev/null) == PASS ]] && n_bounded=$((n_bounded + 1)); done
echo "($n_bounded of the passed tests read shape-determining graph inputs at run time within bounds given with --max)"
n_frozen=0
for t in "${!frozen[@]}"; do [[ $(head -n 1 "$status/${t/\//__}" 2>/dev/null) == PASS ]] && n_frozen=$((n_frozen + 1)); done
echo "($n_frozen of the passed tests feed shape-determining graph inputs, compiled in with --freeze from test_data_set_0)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo
  echo "failed (${#failed[@]}):"
  printf '  %s\n' "${failed[@]}"
fi
if [[ -s $tmp/reasons ]]; then
  echo
  echo "not supported, by reason (tests per unsupported op, then other reasons):"
  grep '^op ' "$tmp/reasons" | sort | uniq -c | sort -k1,1nr -k3 |
    awk '{ item = $3 " " $1; if (line != "" && length(line) + length(item) > 96) { print "  " line ","; line = "" }
           line = line == "" ? item : line ", " item } END { if (line != "") print "  " line }'
  grep -v '^op ' "$tmp/reasons" | sort | uniq -c | sort -k1,1nr > "$tmp/other"
  head -n 20 "$tmp/other" | sed 's/^ */  /'
  if [[ $(wc -l < "$tmp/other") -gt 20 ]]; then
    tail -n +21 "$tmp/other" | awk '{n += $1} END {printf "  ... %d more reasons (%d tests)\n", NR, n}'
  fi
fi
# The support document: every test that does not pass, grouped by reason. docs/support.md must
# be this file (it is written from the same run, so a stale copy fails here).
if [[ $pass_only -eq 0 ]]; then
  doc=$(dirname "$status")/support.md
  {
    echo "# ONNX backend tests that do not pass"
    echo
    echo "Generated by tests/conformance/summary.sh (run by \`scripts/test.sh\`) from the manifest and"
    echo "\`onnx2cpp check\`: every test of the ONNX backend data that onnx2cpp refuses (with the"
    echo "reason it gives) or that is known to fail (with the manifest's reason). Every other test passes,"
    echo "natively and under WebAssembly. Regenerate: \`cp build/conformance/support.md docs/support.md\`."
    sort -t $'\t' -k1,1 -k2,2 "$tmp/support" | awk -F '\t' '
      function flush() { if (why != "") printf "\n## %s (%d)\n\n%s\n", why, n, list }
      $1 != why { flush(); why = $1; n = 0; list = "" }
      { list = list (n++ ? ", " : "") $2 } END { flush() }'
  } > "$doc"
  docs_support=$(dirname "$manifest")/../../docs/support.md
  if ! cmp -s "$doc" "$docs_support"; then
    errors+=("docs/support.md differs from this run's list of tests that do not pass: cp $doc docs/support.md")
    bad=1
  fi
fi
if [[ ${#errors[@]} -gt 0 ]]; then
  echo
  echo "ERRORS (${#errors[@]}): the manifest (tests/conformance/update_manifest.sh regenerates it) or docs/support.md is out of date:"
  printf '  %s\n' "${errors[@]}"
fi
echo
if [[ $bad -ne 0 ]]; then
  echo "conformance summary: FAIL"
  exit 1
fi
echo "conformance summary: OK"
