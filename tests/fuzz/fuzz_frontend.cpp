// libFuzzer target over the whole front end: bytes -> the model file -> load, import, inference
// and folding, the passes, planning and emission (in memory: the generated C++ is not compiled).
// A model may be refused (CompileError, UnsupportedError); anything else that escapes (another
// exception, a crash, a sanitizer report, a hang or a blow-up of memory) is a finding.
//
// The custom mutator keeps most inputs valid protobuf: it parses the ModelProto and changes its
// structure (dims, types, raw data, edges, attributes, opsets, external data) the way hostile
// files do, and leaves byte-level mutation to libFuzzer for the rest. scripts/fuzz.sh runs it.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

#include <onnx/onnx_pb.h>

#include "driver.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// Models "live" in a folder that holds one small external data file (weights.bin), so that
// external data is read, and locations leaving the folder are tried.
std::string model_path;

void make_model_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("o2c-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "weights.bin", std::ios::binary) << std::string(4096, '\x3f');
  model_path = (dir / "model.onnx").string();
}

using Rng = std::minstd_rand;

int64_t pick(Rng& r, int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(r() % static_cast<uint64_t>(n)); }

// Values hostile files use for sizes and indices.
int64_t hostile_int(Rng& r) {
  static const int64_t v[] = {0, 1, -1, 2, 3, 7, 64, 255, 1 << 16, 2147483647, 2147483648LL, -2147483648LL,
                              int64_t(1) << 40, int64_t(1) << 62, INT64_MAX, INT64_MIN};
  return r() % 4 ? v[pick(r, sizeof v / sizeof v[0])] : static_cast<int64_t>(r()) - (1 << 30);
}

// An initializer or a Constant's value.
onnx::TensorProto* any_tensor(onnx::GraphProto& g, Rng& r) {
  std::vector<onnx::TensorProto*> ts;
  for (auto& t : *g.mutable_initializer()) ts.push_back(&t);
  for (auto& n : *g.mutable_node())
    for (auto& a : *n.mutable_attribute())
      if (a.has_t()) ts.push_back(a.mutable_t());
  return ts.empty() ? nullptr : ts[static_cast<size_t>(pick(r, static_cast<int64_t>(ts.size())))];
}

onnx::NodeProto* any_node(onnx::GraphProto& g, Rng& r) {
  return g.node_size() ? g.mutable_node(static_cast<int>(pick(r, g.node_size()))) : nullptr;
}

// A value name the graph has (a node's output, an initializer, an input), or a new one.
std::string any_name(const onnx::GraphProto& g, Rng& r) {
  switch (pick(r, 4)) {
    case 0: if (g.node_size()) { const auto& n = g.node(static_cast<int>(pick(r, g.node_size()))); if (n.output_size()) return n.output(0); } break;
    case 1: if (g.initializer_size()) return g.initializer(static_cast<int>(pick(r, g.initializer_size()))).name(); break;
    case 2: if (g.input_size()) return g.input(static_cast<int>(pick(r, g.input_size()))).name(); break;
    default: break;
  }
  return r() % 2 ? "" : "dangling";
}

onnx::TensorShapeProto* any_shape(onnx::GraphProto& g, Rng& r) {
  auto* vis = r() % 2 ? g.mutable_input() : g.mutable_output();
  if (vis->empty()) return nullptr;
  return vis->Mutable(static_cast<int>(pick(r, vis->size())))->mutable_type()->mutable_tensor_type()->mutable_shape();
}

void mutate_attribute(onnx::NodeProto& n, Rng& r) {
  onnx::AttributeProto* a = n.attribute_size() && r() % 3 ? n.mutable_attribute(static_cast<int>(pick(r, n.attribute_size())))
                                                          : n.add_attribute();
  if (a->name().empty()) {
    static const char* names[] = {"axis", "axes", "perm", "pads", "strides", "kernel_shape", "group", "to", "value",
                                  "dilations", "mode", "keepdims", "then_branch", "body", "seed", "blocksize"};
    a->set_name(names[pick(r, sizeof names / sizeof names[0])]);
  }
  switch (pick(r, 6)) {
    case 0: a->set_type(onnx::AttributeProto::INT); a->set_i(hostile_int(r)); break;
    case 1: a->set_type(onnx::AttributeProto::INTS); a->add_ints(hostile_int(r)); break;
    case 2: a->set_type(onnx::AttributeProto::FLOAT); a->set_f(r() % 2 ? 1e30f : -0.0f); break;
    case 3: a->set_type(static_cast<onnx::AttributeProto::AttributeType>(pick(r, 14))); break;  // a type its fields do not match
    case 4: a->set_type(onnx::AttributeProto::STRING); a->set_s(r() % 2 ? "" : std::string("\0\xff", 2)); break;
    default: a->clear_ints(); break;
  }
}

void mutate_tensor(onnx::TensorProto& t, Rng& r) {
  switch (pick(r, 7)) {
    case 0: if (t.dims_size()) t.set_dims(static_cast<int>(pick(r, t.dims_size())), hostile_int(r)); else t.add_dims(hostile_int(r)); break;
    case 1: t.add_dims(hostile_int(r)); break;
    case 2: t.set_data_type(static_cast<int>(pick(r, 27))); break;
    case 3: t.mutable_raw_data()->resize(static_cast<size_t>(pick(r, static_cast<int64_t>(t.raw_data().size()) + 2))); break;
    case 4: t.clear_raw_data(); t.add_int64_data(hostile_int(r)); break;
    case 5: {
      t.set_data_location(onnx::TensorProto::EXTERNAL);
      auto* e = t.add_external_data();
      static const char* where[] = {"weights.bin", "../weights.bin", "/etc/passwd", ".", "missing.bin"};
      e->set_key(r() % 3 ? "location" : (r() % 2 ? "offset" : "length"));
      e->set_value(e->key() == "location" ? where[pick(r, 5)] : std::to_string(hostile_int(r)));
      break;
    }
    default: t.clear_dims(); break;
  }
}

// A change picked with these weights (of 20, as tests/fuzz/hostile_variants.py): sizes, types
// and attributes reach deepest; renamed outputs and duplicated nodes are refused at once.
int pick_change(Rng& r) {
  static const int weights[] = {4, 4, 1, 2, 1, 5, 1, 1, 1};
  int64_t x = pick(r, 20);
  int k = 0;
  while (x >= weights[k]) x -= weights[k++];
  return k;
}

// One structural change of the kind hostile files carry.
void mutate_model(onnx::ModelProto& m, Rng& r) {
  onnx::GraphProto& g = *m.mutable_graph();
  switch (pick_change(r)) {
    case 0: if (auto* t = any_tensor(g, r)) mutate_tensor(*t, r); break;
    case 1: if (auto* s = any_shape(g, r)) { if (s->dim_size()) s->mutable_dim(static_cast<int>(pick(r, s->dim_size())))->set_dim_value(hostile_int(r)); else s->add_dim()->set_dim_value(hostile_int(r)); } break;
    case 2: if (g.input_size()) g.mutable_input(static_cast<int>(pick(r, g.input_size())))->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(pick(r, 27))); break;
    case 3: if (auto* n = any_node(g, r)) { if (n->input_size()) n->set_input(static_cast<int>(pick(r, n->input_size())), any_name(g, r)); else n->add_input(any_name(g, r)); } break;  // dangling or cyclic edges
    case 4: if (auto* n = any_node(g, r)) { if (n->output_size()) n->set_output(static_cast<int>(pick(r, n->output_size())), any_name(g, r)); } break;
    case 5: if (auto* n = any_node(g, r)) mutate_attribute(*n, r); break;
    case 6: { auto* os = m.opset_import_size() ? m.mutable_opset_import(0) : m.add_opset_import(); os->set_version(hostile_int(r) % 30); break; }
    case 7: if (g.node_size() > 1) g.mutable_node()->SwapElements(static_cast<int>(pick(r, g.node_size())), static_cast<int>(pick(r, g.node_size()))); break;
    default: if (auto* n = any_node(g, r)) { auto* c = g.add_node(); *c = *n; } break;  // a duplicate: outputs defined twice
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_model_dir();
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Rng r(seed);
  onnx::ModelProto m;
  if (r() % 4 == 0 || !m.ParseFromArray(data, static_cast<int>(size))) return LLVMFuzzerMutate(data, size, max_size);
  for (int64_t k = 0, n = 1 + pick(r, 3); k < n; ++k) mutate_model(m, r);
  const std::string out = m.SerializeAsString();
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::copy(out.begin(), out.end(), data);
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::ofstream(model_path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                      static_cast<std::streamsize>(size));
  o2c::Options opt;
  opt.model_path = model_path;  // loaded from the file as onnx2cpp loads it
  opt.name = "m";
  opt.verify_each = true;  // a pass that leaves a broken graph is a finding too
  try {
    o2c::compile_model(opt);
  } catch (const o2c::CompileError&) {  // refused, with a message: what a hostile model should get
  }
  return 0;
}
