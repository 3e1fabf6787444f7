// The pass pipeline: every pass the driver runs, in order, by name.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "passes/passes.hpp"

namespace o2c {

struct PassOptions {
  FoldOptions fold;
  BackwardOptions backward;  // the backward pass runs when backward.output is set
};

struct PassInfo {
  const char* name;     // for --disable-pass and --dump-ir-after
  const char* group;    // "fuse": switched off together by --no-fuse; "" for the required ones
  const char* purpose;  // one line, for --list-passes
  void (*run)(Graph&, const PassOptions&);
};

// The passes in the order they run.
const std::vector<PassInfo>& pass_list();
const PassInfo* find_pass(const std::string& name);

struct PipelineOptions {
  PassOptions pass;
  std::vector<std::string> disabled;   // pass names (or a group name: "fuse")
  std::vector<std::string> dump_after; // print the IR after these passes (dump_ir) to dump_to
  std::string* dump_to = nullptr;
  bool verify_each = false;            // verify() after every pass (throws when unsound)
};

// Runs the enabled passes on g. Unknown names in disabled/dump_after are errors.
void run_pipeline(Graph& g, const PipelineOptions& opt);
// Runs one pass, by name, then verify() (throws std::logic_error when the graph is unsound).
void run_pass(Graph& g, const std::string& name, const PassOptions& opt);

}  // namespace o2c
