// Test data files (input_K.pb, output_K.pb) hold a TensorProto, or a SequenceProto or
// OptionalProto for a sequence or optional value. The file does not say which: this tells
// them apart from the bytes (plain C++: the conformance runner, which reads protobuf by hand,
// and the compiler share it). A TensorProto never writes field 1 (dims, non-packed int64s) as
// bytes nor field 3, so a file that starts with field 1 as bytes (the name), or with field 2
// (elem_type) followed by nothing or by field 3 (tensor values), is a sequence or optional.
// (An unnamed sequence of sequences or of optionals reads as a tensor: name such files.)
// SequenceProto and OptionalProto share their field numbers (3 tensors, 5 sequences, 7
// optionals), so one reader, reading those fields as repeated, reads both.
#pragma once
#include <cstddef>
#include <cstdint>

namespace o2c {

inline bool is_composite_data(const uint8_t* p, size_t n) {
  if (n == 0) return false;
  if (p[0] == 0x0A) return true;  // field 1, length-delimited: the name
  if (p[0] != 0x10) return false;  // field 2, varint: elem_type (or a scalar tensor's data_type)
  size_t at = 1;
  while (at < n && (p[at] & 0x80)) ++at;
  ++at;
  return at >= n || p[at] == 0x1A;
}

}  // namespace o2c
