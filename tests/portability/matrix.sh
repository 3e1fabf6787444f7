#!/bin/sh
# One row of the portability matrix: every model of models.txt compiled by onnx2cpp, its code
# built by CXX with FLAGS (-Wall -Wextra -Werror among them) and verified against its test
# data, run under RUN_PREFIX (an emulator for a cross compiler) when one is given.
# usage: matrix.sh ONNX2CPP SOURCE_DIR SHARED_DIR MODELS_TXT CXX FLAGS [RUN_PREFIX]
# Exits 77 (skipped, with a line saying why) when CXX or the emulator is absent, or when CXX
# cannot build a trivial program with FLAGS (e.g. -mavx2 on another architecture).
set -u
o2c=$1 src=$2 shared=$3 list=$4 cxx=$5 flags=$6 prefix=${7:-}
row="$cxx $flags${prefix:+ (run under $prefix)}"
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "portability: SKIPPED: $1 not found (Debian: apt-get install $2), row: $row"
    exit 77
  fi
}
case "$cxx" in
  aarch64-linux-gnu-*) need "$cxx" g++-aarch64-linux-gnu ;;
  clang*) need "$cxx" clang ;;
  *) need "$cxx" g++ ;;
esac
if [ -n "$prefix" ]; then
  set -- $prefix
  need "$1" qemu-user
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'int main() { return 0; }\n' >"$work/probe.cpp"
if ! (cd "$work" && $cxx $flags probe.cpp -o probe >probe.log 2>&1 && $prefix ./probe >>probe.log 2>&1); then
  echo "portability: SKIPPED: $cxx cannot build and run a trivial program with $flags${prefix:+ under $prefix}:"
  cat "$work/probe.log"
  exit 77
fi
pass=0 fail=0 absent=0
failed=""
while read -r entry opts; do
  case "$entry" in ''|'#'*) continue ;; esac
  case "$entry" in
    repo/*) dir="$src/${entry#repo/}" ;;
    shared/*) dir="$shared/${entry#shared/}" ;;
    *) echo "portability: $list: bad entry $entry (repo/... or shared/...)"; exit 2 ;;
  esac
  if [ ! -f "$dir/model.onnx" ]; then
    echo "absent   $entry ($dir not found)"
    absent=$((absent + 1))
    continue
  fi
  data="$dir/test_data_set_0"
  t0=$(date +%s)
  if [ -n "$prefix" ]; then
    "$o2c" verify "$dir/model.onnx" --data "$data" --cxx "$cxx" --cxxflags "$flags" --run-prefix "$prefix" --quiet $opts >"$work/log" 2>&1 </dev/null
  else
    "$o2c" verify "$dir/model.onnx" --data "$data" --cxx "$cxx" --cxxflags "$flags" --quiet $opts >"$work/log" 2>&1 </dev/null
  fi
  rc=$?
  secs=$(($(date +%s) - t0))
  if [ "$rc" = 0 ]; then
    echo "PASS     $entry (${secs} s)"
    pass=$((pass + 1))
  else
    echo "FAIL     $entry (exit $rc):"
    sed 's/^/    /' "$work/log" | tail -n 40
    fail=$((fail + 1))
    failed="$failed $entry"
  fi
done <"$list"
echo "portability: $row: $pass passed, $fail failed, $absent absent"
[ "$fail" = 0 ] || { echo "failed:$failed"; exit 1; }
[ "$pass" -gt 0 ] || { echo "portability: no model ran"; exit 77; }
