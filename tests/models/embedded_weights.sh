#!/bin/sh
# The default weights layout (--weights embed) as a user builds it: `build --target native`
# writes NAME.cpp, NAME.h and NAME.cpp.weights; NAME.cpp compiles on its own (-Werror) with
# each compiler given, from another working directory, linked with the demo program, and
# classifies the digit as the build with the weights in a string literal (--weights inline).
# usage: embedded_weights.sh OUT_DIR ONNX2CPP SOURCE_DIR EIGEN_INCLUDE CXX...
set -eu
out=$1 o2c=$2 src=$3 eigen=$4
shift 4
rm -rf "$out"
mkdir -p "$out/inline"
"$o2c" build "$src/models/tiny_cnn/model.onnx" --target native -o "$out" --name tiny_cnn
"$o2c" build "$src/models/tiny_cnn/model.onnx" --target native -o "$out/inline" --name tiny_cnn --weights inline
test -s "$out/tiny_cnn.cpp.weights"
test ! -e "$out/inline/tiny_cnn.cpp.weights"
grep -q '\.incbin' "$out/tiny_cnn.cpp"
flags="-std=c++17 -O1 -Wall -Wextra -Werror -I$eigen"
c++ $flags -I"$out/inline" "$out/inline/tiny_cnn.cpp" "$src/generated/tiny_cnn/main.cpp" -o "$out/inline/demo"
want=$("$out/inline/demo" "$src/models/tiny_cnn/digit.pgm")
for cxx in "$@"; do
  (cd / && $cxx $flags -I"$out" -c "$out/tiny_cnn.cpp" -o "$out/tiny_cnn.$$.o")
  (cd "$out" && $cxx $flags -I. "$src/generated/tiny_cnn/main.cpp" "tiny_cnn.$$.o" -o demo)
  got=$("$out/demo" "$src/models/tiny_cnn/digit.pgm")
  echo "$cxx: $got"
  [ "$got" = "$want" ] || { echo "expected: $want"; exit 1; }
done
# Without its weights file the source does not build, and the error names the file.
mv "$out/tiny_cnn.cpp.weights" "$out/moved"
if (cd "$out" && c++ $flags -c tiny_cnn.cpp -o /dev/null) >"$out/log" 2>&1; then echo "built without its weights"; exit 1; fi
grep -q 'tiny_cnn.cpp.weights' "$out/log"
echo "embedded weights: ok"
