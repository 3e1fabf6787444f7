// Command-line values parsed completely and range-checked before anything runs. A wrong one
// is a CompileError (exit 2) naming the flag, the value, what was expected and an example:
//   --dim seq=12x: "12x" is not a whole number; expected NAME=VALUE, e.g. --dim seq=128
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "ir/graph.hpp"

namespace o2c {

// The largest dimension a flag may give (the arena's offsets stay far from overflow).
constexpr int64_t kMaxFlagDim = (int64_t{1} << 31) - 1;

// text as a whole number in [lo, hi]; `what` is the flag as typed ("--dim seq=12x") and
// `expected` the form with an example ("NAME=VALUE, e.g. --dim seq=128").
int64_t parse_whole(const std::string& what, const std::string& text, int64_t lo, int64_t hi,
                    const std::string& expected);

// --dim NAME=VALUE or NAME=LO..HI: a non-empty name and a dimension (a range of them, known
// at run time) in [1, kMaxFlagDim]; VALUE gives the range VALUE..VALUE.
std::pair<std::string, DimRange> parse_dim_flag(const std::string& text);
// --shape INPUT=1x3x224x224: a non-empty input name and dims in [0, kMaxFlagDim] ("INPUT=" is a scalar).
std::pair<std::string, Shape> parse_shape_flag(const std::string& text);
// --freeze INPUT or INPUT=FILE_OR_FOLDER: the name and the source ("" when not given).
std::pair<std::string, std::string> parse_freeze_flag(const std::string& text);
// --name: a C identifier (it prefixes symbols and names files beside the output).
void check_name_flag(const std::string& name);
// --rtol/--atol: finite and >= 0.
void check_tolerance_flag(const std::string& flag, double v);

}  // namespace o2c
