// Ops whose output shape an input's values decide, when those values arrive only at run time
// (Reshape's shape, Squeeze's/Unsqueeze's/a reduction's axes, Slice's starts and ends,
// Split's sizes, TopK's K: templates/shape_data.hpp). The output's dims become Data symbols
// of the node (ir/dim.hpp), each with a bound derived from the input's static shape; the
// kernel checks the values, writes the dims and computes the output at them.
#pragma once
#include <vector>

#include "ops/op.hpp"

namespace o2c {

// Whether input i is present and its values are unknown at compile time (neither a constant
// nor a value of dims).
bool values_at_run_time(OpCtx& c, size_t i);
// Dim d of output `out`, at most `bound`: a Data symbol this node's kernel sets.
Dim data_dim_at(OpCtx& c, size_t out, size_t d, int64_t bound);
// All of output `out`'s dims so, one per bound.
std::vector<Dim> data_dims(OpCtx& c, size_t out, const std::vector<int64_t>& bounds);
// The k::DimOut argument through which the kernel writes them.
Arg dim_outs(LowerCtx& c, const std::vector<Dim>& dims);
// A static shape as an int64 table (the kernels' input dims).
Arg shape_table(LowerCtx& c, const Shape& s);
// Input i's dims as the kernels read them: a table, or their run-time values (k::Extents).
Arg input_dims(LowerCtx& c, size_t i);
// A tensor name as it is typed after --max or --freeze (quoted when it needs quotes).
std::string flag_name(const std::string& n);
// The bound the user gave output `out`'s run-time dims (--max NAME=N: DimTable::tensor_max)
// where input `from`'s values decide them and no bound follows from the shapes; refused,
// naming the output, the input and the flags, when none was given.
int64_t user_bound(OpCtx& c, size_t out, size_t from);
// The largest of s's dims, at least 1 (a bound for dims that may keep an input's).
int64_t largest_dim(const Shape& s);
// Input i's values at run time must fit their use: at most k::kMaxRank of them (axes, the
// entries of a shape), integer typed; refused otherwise, naming `what`.
int64_t data_count(OpCtx& c, size_t i, const char* what, int64_t most);

}  // namespace o2c
