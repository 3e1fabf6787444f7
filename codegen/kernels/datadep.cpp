// Folding with templates/datadep.hpp: none. Their output's size is the data's (a count the
// kernel writes into a run-time dim), so inference must know it before any call runs: the
// ops fold constant inputs themselves (ops/datadep.cpp), calling these kernels.
#include "kernels/eval.hpp"

namespace o2c {

bool eval_nonzero(const Call&, const Frame&) { return false; }
bool eval_compress(const Call&, const Frame&) { return false; }
bool eval_unique(const Call&, const Frame&) { return false; }
bool eval_non_max_suppression(const Call&, const Frame&) { return false; }

}  // namespace o2c
