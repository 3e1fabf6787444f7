// A text form of a graph, for --dump-ir-after and test failures.
#pragma once
#include <string>

#include "ir/graph.hpp"

namespace o2c {

// One line per node in order, as
//   [12] Conv "conv1" (x: f32[1,3,32,32], w: f32[16,3,3,3] const) {group=1} -> y: f32[1,16,32,32]
// with the graph's inputs and outputs first and last; subgraphs indented under their node.
std::string dump_ir(const Graph& g, int indent = 0);

}  // namespace o2c
