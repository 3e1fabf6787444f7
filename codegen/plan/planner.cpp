#include "plan/planner.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <numeric>

#include "ops/registry.hpp"

namespace o2c {

namespace {
bool overlap_time(const BufferReq& a, const BufferReq& b) {
  return a.first <= b.last && b.first <= a.last;
}

int64_t lower_bound_of(const std::vector<BufferReq>& reqs) {
  int steps = 0;
  for (const auto& r : reqs) steps = std::max(steps, r.last + 1);
  std::vector<int64_t> live(static_cast<size_t>(steps) + 1, 0);
  for (const auto& r : reqs)
    for (int s = r.first; s <= r.last; ++s) live[s] += align_up(r.bytes, kArenaAlign);
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}
}  // namespace

namespace {

// Places buffers in the given order at the lowest offset (first fit) or in the smallest
// gap that holds them (best fit), avoiding buffers already placed whose lifetimes overlap.
std::vector<int64_t> place(const std::vector<BufferReq>& reqs, const std::vector<size_t>& order, bool best_fit,
                           int64_t* arena) {
  std::vector<int64_t> offsets(reqs.size(), 0);
  std::vector<size_t> placed;
  *arena = 0;
  auto size_of = [&](size_t i) { return align_up(std::max<int64_t>(reqs[i].bytes, 1), kArenaAlign); };
  for (size_t i : order) {
    const BufferReq& r = reqs[i];
    const int64_t need = size_of(i);
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of conflicting buffers
    for (size_t j : placed)
      if (overlap_time(r, reqs[j])) busy.push_back({offsets[j], offsets[j] + size_of(j)});
    std::sort(busy.begin(), busy.end());
    int64_t at = 0, best = -1, best_gap = 0;
    for (const auto& b : busy) {
      if (b.first >= at + need) {
        if (!best_fit) break;
        if (best < 0 || b.first - at < best_gap) {
          best = at;
          best_gap = b.first - at;
        }
      }
      at = std::max(at, b.second);
    }
    if (best_fit && best >= 0) at = best;
    offsets[i] = at;
    *arena = std::max(*arena, at + need);
    placed.push_back(i);
  }
  return offsets;
}

}  // namespace

// Greedy placement under a few orders (largest first; longest-lived first; largest area
// first; earliest first), each with first and best fit; the smallest arena wins (ties: the
// first tried). All deterministic.
MemoryPlan plan_greedy(std::vector<BufferReq> reqs) {
  MemoryPlan p;
  p.reqs = std::move(reqs);
  const auto& R = p.reqs;
  auto life = [&](size_t i) { return int64_t(R[i].last - R[i].first + 1); };
  using Less = std::function<bool(size_t, size_t)>;
  const std::vector<Less> orders = {
      [&](size_t a, size_t b) { return R[a].bytes != R[b].bytes ? R[a].bytes > R[b].bytes : R[a].first < R[b].first; },
      [&](size_t a, size_t b) { return life(a) != life(b) ? life(a) > life(b) : R[a].bytes > R[b].bytes; },
      [&](size_t a, size_t b) {
        const int64_t x = R[a].bytes * life(a), y = R[b].bytes * life(b);
        return x != y ? x > y : R[a].first < R[b].first;
      },
      [&](size_t a, size_t b) { return R[a].first != R[b].first ? R[a].first < R[b].first : R[a].bytes > R[b].bytes; },
  };
  p.arena_bytes = -1;
  for (const Less& less : orders) {
    std::vector<size_t> order(R.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), less);
    for (bool best_fit : {false, true}) {
      int64_t arena = 0;
      std::vector<int64_t> offsets = place(R, order, best_fit, &arena);
      if (p.arena_bytes < 0 || arena < p.arena_bytes) {
        p.arena_bytes = arena;
        p.offsets = std::move(offsets);
      }
    }
  }
  p.lower_bound = lower_bound_of(p.reqs);
  return p;
}

MemoryPlan plan_linear(std::vector<BufferReq> reqs) {
  MemoryPlan p;
  p.reqs = std::move(reqs);
  int64_t at = 0;
  for (const auto& r : p.reqs) {
    p.offsets.push_back(at);
    at += align_up(std::max<int64_t>(r.bytes, 1), kArenaAlign);
  }
  p.arena_bytes = at;
  p.lower_bound = lower_bound_of(p.reqs);
  return p;
}

std::string check_plan(const MemoryPlan& p) {
  for (size_t i = 0; i < p.reqs.size(); ++i) {
    const int64_t ai = p.offsets[i], ae = ai + p.reqs[i].bytes;
    if (ai % kArenaAlign) return "buffer " + std::to_string(i) + " is misaligned";
    if (ae > p.arena_bytes) return "buffer " + std::to_string(i) + " leaves the arena";
    for (size_t j = i + 1; j < p.reqs.size(); ++j) {
      if (!overlap_time(p.reqs[i], p.reqs[j])) continue;
      const int64_t bi = p.offsets[j], be = bi + p.reqs[j].bytes;
      if (ai < be && bi < ae && p.reqs[i].bytes && p.reqs[j].bytes)
        return "buffers " + std::to_string(i) + " and " + std::to_string(j) +
               " overlap in time and space";
    }
  }
  return "";
}

std::vector<int> view_origins(const Graph& g) {
  std::vector<int> origin(g.values.size());
  std::iota(origin.begin(), origin.end(), 0);
  for (size_t v = 0; v < g.values.size(); ++v)  // Concat inputs written in place
    if (g.values[v].alias_of >= 0) origin[v] = g.values[v].alias_of;
  for (int id : g.order) {  // topological order: inputs resolved first
    const Node& n = g.nodes[id];
    const OpInfo* info = find_op(n.domain, n.op);
    if (info && info->def->view && !n.outputs.empty() && n.outputs[0] >= 0)
      origin[n.outputs[0]] = origin[n.inputs[0]];
  }
  // A graph output that is a view of an intermediate: the intermediate lives in the output
  // buffer instead of the arena, so nothing is copied out at the end.
  for (int o : g.outputs) {
    const int v = origin[o];
    if (v == o || g.values[v].constant || g.values[v].is_input || g.values[v].is_output) continue;
    if (g.values[v].bytes() != g.values[o].bytes()) continue;
    for (int& x : origin)
      if (x == v) x = o;
  }
  return origin;
}

namespace {

constexpr int kStringAreaLast = 1 << 30;  // live to the end of the run (set by graph_buffers)

struct BufferWalker {
  std::vector<BufferReq> reqs;
  int step = 0;

  // Walks g's nodes from `step` on. top: the main graph, whose inputs and outputs are the
  // caller's buffers; a subgraph's are arena buffers living from `span_start` to the end of
  // its node's span (fixed up by the caller through the returned request indices).
  std::vector<size_t> walk(const Graph& g, const std::vector<int>& origin, bool top, int span_start) {
    const size_t nv = g.values.size();
    std::vector<int> first(nv, -1), last(nv, -1), prod(nv, -1);
    std::vector<BufferReq> scratch;
    auto read = [&](int v, int at) {
      if (v >= 0) last[origin[v]] = std::max(last[origin[v]], at);
    };
    for (int ni : g.order) {
      const Node& n = g.nodes[ni];
      const int start = step;
      std::vector<std::vector<size_t>> bodies;
      const std::vector<Graph*> subs = subgraphs(n);
      if (!subs.empty()) ++step;  // the node's own prologue
      for (const Graph* b : subs) bodies.push_back(walk(*b, view_origins(*b), false, start));
      const int end = step;
      for (const auto& b : bodies)
        for (size_t r : b) reqs[r].last = end;
      for (int v : n.inputs) read(v, end);
      for (int v : n.captures) read(v, end);
      for (int v : n.outputs)  // a storage is live from its first writer (a Concat's: its inputs')
        if (v >= 0 && first[origin[v]] < 0) {
          first[origin[v]] = start;
          last[origin[v]] = std::max(last[origin[v]], end);
          prod[origin[v]] = ni;
        }
      if (n.scratch_bytes > 0) {
        BufferReq r;
        r.bytes = n.scratch_bytes;
        r.first = start;
        r.last = end;
        // A node that makes strings writes their bytes into its scratch: the views of its
        // outputs (and any copies of them) point there until the run ends.
        for (int v : n.outputs)
          if (v >= 0 && g.values[v].dtype == DType::String) r.last = kStringAreaLast;
        r.node = ni;
        r.graph = top ? nullptr : &g;
        scratch.push_back(r);
      }
      ++step;
    }
    // A view that is a graph output is copied out at the very end.
    for (int v : g.outputs)
      if (origin[v] != v) last[origin[v]] = step;
    std::vector<size_t> span;  // a subgraph's inputs and outputs: live to the end of its node
    for (size_t v = 0; v < nv; ++v) {
      const Value& val = g.values[v];
      if (val.constant || val.capture_of >= 0 || origin[v] != static_cast<int>(v)) continue;
      const bool io = val.is_input || val.is_output;
      if (top && io) continue;  // the caller's buffers
      if (!io && first[v] < 0) continue;
      BufferReq r;
      r.bytes = val.bytes();
      r.first = io ? span_start : first[v];
      r.last = io ? step : std::max(last[v], first[v]);
      r.value = static_cast<int>(v);
      r.node = prod[v];
      r.graph = top ? nullptr : &g;
      if (io) span.push_back(reqs.size());
      reqs.push_back(r);
    }
    reqs.insert(reqs.end(), scratch.begin(), scratch.end());
    return span;
  }
};

}  // namespace

std::vector<BufferReq> graph_buffers(const Graph& g, const std::vector<int>& origin) {
  BufferWalker w;
  w.walk(g, origin, true, 0);
  for (BufferReq& r : w.reqs)
    if (r.last == kStringAreaLast) r.last = w.step;
  return w.reqs;
}

std::string plan_report(const Graph& g, const MemoryPlan& p) {
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "arena %lld bytes, lower bound %lld bytes (max live at once), efficiency %.3f\n",
                static_cast<long long>(p.arena_bytes), static_cast<long long>(p.lower_bound),
                p.efficiency());
  s += buf;
  int steps = 0;
  for (const auto& r : p.reqs) steps = std::max(steps, r.last + 1);
  const int width = std::min(steps, 64);
  s += "offset      bytes       steps  lifetime (one column per " +
       std::to_string(steps > 64 ? (steps + 63) / 64 : 1) + " step(s))  buffer\n";
  std::vector<size_t> order(p.reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.offsets[a] < p.offsets[b]; });
  for (size_t i : order) {
    const auto& r = p.reqs[i];
    std::string bar(static_cast<size_t>(width), '.');
    for (int c = 0; c < width; ++c) {
      int s0 = c * steps / width, s1 = (c + 1) * steps / width - 1;
      if (s1 < s0) s1 = s0;
      if (r.first <= s1 && s0 <= r.last) bar[c] = '#';
    }
    const Graph& rg = r.graph ? *r.graph : g;
    std::string what = r.value >= 0 ? quote_name(rg.values[r.value].name)
                                     : "scratch of " + rg.where(rg.nodes[r.node]);
    if (&rg != &g) what += " (in a subgraph)";
    std::snprintf(buf, sizeof buf, "%-11lld %-11lld %3d-%-3d  ", static_cast<long long>(p.offsets[i]),
                  static_cast<long long>(r.bytes), r.first, r.last);
    s += buf + bar + "  " + what + "\n";
  }
  return s;
}

}  // namespace o2c
