// The API of a compiled training step (Graph::train_state set; passes/train_step.cpp): the
// params struct the caller owns, NAME_params_init and NAME_train_step, around NAME_run.
#pragma once
#include <string>
#include <vector>

#include "emit/api.hpp"
#include "emit/writer.hpp"

namespace o2c {

// Where NAME_params keeps each train_state tensor (C's layout: every member at a multiple of
// its element size), its step counter, the Dropout seed when the step has one, and its size:
// what export-onnx reads a saved struct by.
struct ParamsLayout {
  std::vector<int64_t> offsets;  // per Graph::train_state entry
  int64_t step_offset = 0, seed_offset = -1, bytes = 0;
};
ParamsLayout params_layout(const Graph& g);
// The step's "seed" input (Dropout in training mode: passes/train_step.cpp), -1 if none.
int dropout_seed_input(const Graph& g);

// Declarations, in the header's extern "C" block.
void train_header(Writer& h, const Graph& g, const ApiNames& api, const std::string& N, const std::string& U);
// Definitions, in the source's extern "C" block; init_offsets: each train_state tensor's
// initial contents in the weights blob (-1: zeros).
void train_source(Writer& s, const Graph& g, const ApiNames& api, const std::string& N,
                  const std::vector<int64_t>& init_offsets);

}  // namespace o2c
