#include "builder.hpp"
#include "cli_run.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/runner.hpp"

namespace o2c::test {

std::string ModelBuilder::save(const std::string& dir, const std::string& name) const {
  std::string path = dir + "/" + name + ".onnx";
  std::ofstream f(path, std::ios::binary);
  m.SerializeToOstream(&f);
  return path;
}

TempDir::TempDir() : path(make_temp_dir()) {}
TempDir::~TempDir() { std::filesystem::remove_all(path); }

namespace {
std::string quoted(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}
}  // namespace

CliRun run_cli(const std::string& dir, const std::vector<std::string>& args) {
  std::string cmd = quoted(O2C_EXE);
  for (const auto& a : args) cmd += " " + quoted(a);
  cmd += " >" + quoted(dir + "/out.txt") + " 2>" + quoted(dir + "/err.txt");
  const int st = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream f(dir + "/err.txt");
  std::stringstream ss;
  ss << f.rdbuf();
  r.err = ss.str();
  return r;
}

Compiled compile_file(const std::string& path, ShapeBindings b) {
  Options o;
  o.model_path = path;
  o.bind = std::move(b);
  o.name = "m";
  o.verify_each = true;  // every pass must leave a sound graph
  return compile_model(o);
}

Graph inferred_graph(const std::string& path) {
  Graph g = import_model(load_model(path), path, {});
  run_pass(g, "infer", PassOptions{});
  return g;
}

const Value& value(const Graph& g, const std::string& name) {
  int v = g.find(name);
  if (v < 0) throw std::runtime_error("no value " + name);
  return g.values[v];
}

}  // namespace o2c::test
