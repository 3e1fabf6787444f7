// The sizes a model may ask for: checked before anything is allocated.
#pragma once
#include <cstdint>
#include <string>

#include "ir/graph.hpp"

namespace o2c {

// The most bytes one tensor (constant or planned value) and the whole arena may take: 64 GiB.
// Far beyond any model's needs; what asks for more is a broken or hostile file, refused before
// anything is allocated.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 36;
// The most bytes of a constant the compiler computes itself, not read from the file (Gradient's
// seed of ones, Dropout's mask): 1 GiB.
constexpr int64_t kMaxComputedBytes = int64_t(1) << 30;
// The most elements of a sequence: each is a value of its own once sequences are expanded
// (SplitToSequence of a long axis in chunks of 1).
constexpr int64_t kMaxSequenceLength = 16384;
// The bytes of a tensor of type t and shape s (packed types round up), computed without
// overflow; -1 for a negative dim or more than kMaxTensorBytes.
int64_t tensor_bytes(DType t, const Shape& s);
// The same, throwing CompileError naming `what` instead of returning -1.
int64_t checked_bytes(DType t, const Shape& s, const std::string& what);

}  // namespace o2c
