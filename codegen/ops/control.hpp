// Control flow: If, Loop and Scan. Their bodies are subgraphs (Attr::Kind::Graph) that read
// outer values by name (Value::capture_of); inference types a body's inputs and infers it,
// emit/control.cpp writes the node as C++ blocks and loops around the bodies' code.
#pragma once
#include "ops/op.hpp"

namespace o2c {

struct IfAttrs {
  std::shared_ptr<Graph> then_branch, else_branch;
  template <class V>
  void fields(V& v) {
    v.required("then_branch", then_branch);
    v.required("else_branch", else_branch);
  }
};

struct LoopAttrs {
  std::shared_ptr<Graph> body;
  template <class V>
  void fields(V& v) { v.required("body", body); }
};

// What a Loop node runs: n carried values, k scan outputs, and the iteration count when it
// is known at compile time (trip count constant, condition constant true and carried as is);
// otherwise the most it can be when the trip count is a constant (a condition computed by the
// body stops it earlier): scan outputs are then planned for that many iterations and their
// first dim is a run-time dim the loop sets (the iterations it ran).
struct LoopShape {
  size_t carried = 0, scans = 0;
  int64_t trips = -1;      // -1: known only at run time
  int64_t max_trips = -1;  // the constant trip count M (-1: none, or known only at run time)
};
LoopShape loop_shape(OpCtx& c);
// Whether the Loop's body can be compiled only for each iteration apart (it needs the
// iteration number at compile time: a Slice at it, say) and its iterations are few and known:
// then passes/unroll.cpp inlines them.
constexpr int64_t kMaxUnrolledIterations = 64;
bool loop_needs_unrolling(OpCtx& c);
// Whether the body infers for any iteration (on a copy).
bool loop_body_infers(OpCtx& c);

struct ScanAttrs {
  std::shared_ptr<Graph> body;
  int64_t num_scan_inputs = 0;
  std::vector<int64_t> scan_input_axes, scan_input_directions, scan_output_axes, scan_output_directions;
  std::vector<int64_t> directions;  // version 8
  template <class V>
  void fields(V& v) {
    v.required("body", body);
    v.required("num_scan_inputs", num_scan_inputs);
    if (v.version < 9) {
      v("directions", directions);
    } else {
      v("scan_input_axes", scan_input_axes);
      v("scan_input_directions", scan_input_directions);
      v("scan_output_axes", scan_output_axes);
      v("scan_output_directions", scan_output_directions);
    }
  }
};

// What a Scan node runs: its inputs split into state and scanned, per scanned input its axis
// and direction, per scan output its axis and direction, the sequence length; version 8's
// batch (its inputs and outputs have a batch dim first, and the scan axis is 1).
struct ScanShape {
  size_t state = 0, scans_in = 0, scans_out = 0;
  size_t first = 0;  // index of the first state input (1 in version 8: sequence_lens)
  std::vector<int64_t> in_axes, in_reverse, out_axes, out_reverse;
  int64_t length = 0, batch = 1;
  bool batched = false;  // version 8
};
ScanShape scan_shape(OpCtx& c);

}  // namespace o2c
