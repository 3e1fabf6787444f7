// Static memory planning: one arena, offsets chosen at compile time from buffer lifetimes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

// A buffer that must live in the arena from step `first` to step `last` (inclusive).
struct BufferReq {
  int64_t bytes = 0;
  int first = 0;
  int last = 0;
  int value = -1;  // value id, or -1 for a node's scratch
  int node = -1;   // producing node (or the node owning the scratch)
  const Graph* graph = nullptr;  // the subgraph of value and node; nullptr for the main graph
};

struct MemoryPlan {
  std::vector<BufferReq> reqs;
  std::vector<int64_t> offsets;  // one per req
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;       // max over steps of the (aligned) bytes live at once
  double efficiency() const { return arena_bytes ? double(lower_bound) / double(arena_bytes) : 1.0; }
};

constexpr int64_t kArenaAlign = 64;
inline int64_t align_up(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

// Greedy placement (as TFLite Micro's GreedyMemoryPlanner: each buffer at an offset that
// overlaps no already placed buffer alive at the same time), tried under several orders
// (size, lifetime, size x lifetime, start) with first and best fit; the smallest arena wins.
MemoryPlan plan_greedy(std::vector<BufferReq> reqs);
// One buffer after the other, no reuse (for debugging with --planner linear).
MemoryPlan plan_linear(std::vector<BufferReq> reqs);
// Empty when the plan is sound; otherwise describes the first two buffers that overlap in
// both time and space, or one that leaves the arena.
std::string check_plan(const MemoryPlan& p);

// Buffer requirements of a graph: every live intermediate that is not a view, not a graph
// output and not constant, plus node scratch. Views extend the life of what they alias.
// origin[v] is the value whose storage v shares (itself when not a view). The subgraphs of
// If, Loop and Scan nodes are walked inside their node's span of steps: their inputs and
// outputs live through the whole span (a loop body's run again each iteration), their other
// values as they are used in one run of the body.
std::vector<BufferReq> graph_buffers(const Graph& g, const std::vector<int>& origin);
// origin map for views (ops with OpImpl::view).
std::vector<int> view_origins(const Graph& g);

// ASCII chart of the plan, one row per buffer (for --dump-plan and generated/*/plan.txt).
std::string plan_report(const Graph& g, const MemoryPlan& p);

}  // namespace o2c
