#include "ops/registry.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace o2c {

#define OP(Name, domain, family, versions, signature, types, precision) extern const OpDef op_##Name;
#include "ops/ops.def"
#undef OP

namespace {

std::vector<int> parse_versions(const char* s) {
  std::vector<int> v;
  std::istringstream in(s);
  for (int x; in >> x;) v.push_back(x);
  return v;
}

std::vector<OpParam> parse_params(const std::string& s) {
  std::vector<OpParam> r;
  std::istringstream in(s);
  for (std::string tok; in >> tok;) {
    OpParam p;
    const auto colon = tok.find(':');
    if (colon == std::string::npos) throw std::logic_error("ops.def: bad parameter " + tok);
    p.name = tok.substr(0, colon);
    std::string t = tok.substr(colon + 1);
    if (t.size() > 4 && t.compare(t.size() - 4, 4, "...?") == 0) {
      p.variadic = p.optional = true;
      t.resize(t.size() - 4);
    } else if (t.size() > 3 && t.compare(t.size() - 3, 3, "...") == 0) {
      p.variadic = true;
      t.resize(t.size() - 3);
    } else if (!t.empty() && t.back() == '?') {
      p.optional = true;
      t.pop_back();
    }
    p.typevar = t;
    r.push_back(p);
  }
  return r;
}

std::map<std::string, TypeSet> parse_types(const std::string& s, std::vector<std::string>* held) {
  std::map<std::string, TypeSet> r;
  std::istringstream in(s);
  for (std::string clause; std::getline(in, clause, ';');) {
    const auto colon = clause.find(':');
    if (colon == std::string::npos) throw std::logic_error("ops.def: bad type constraint " + clause);
    std::istringstream var(clause.substr(0, colon));
    std::string v;
    var >> v;
    std::istringstream names(clause.substr(colon + 1));
    TypeSet set;
    for (std::string n; names >> n;) {
      if (n == "=" || n == "@any") held->push_back(v);  // @any: moved as bits (see holds())
      if (n != "=") set = set | type_group(n);
    }
    r[v] = set;
  }
  return r;
}

OpInfo make_info(const char* name, const char* domain, const char* family, const char* versions, const char* sig,
                 const char* types, const char* precision, const OpDef* def) {
  OpInfo i{name, domain, family, parse_versions(versions), {}, {}, {}, precision, sig, types, def, {}};
  i.types = parse_types(types, &i.held);
  const std::string s(sig);
  const auto arrow = s.find("->");
  if (arrow == std::string::npos) throw std::logic_error(std::string("ops.def: ") + name + " has no ->");
  i.inputs = parse_params(s.substr(0, arrow));
  i.outputs = parse_params(s.substr(arrow + 2));
  for (const auto* list : {&i.inputs, &i.outputs})
    for (const OpParam& p : *list)
      if (!i.types.count(p.typevar)) throw std::logic_error(std::string("ops.def: ") + name + " has no types for " + p.typevar);
  return i;
}

}  // namespace

int OpInfo::version_at(int opset) const {
  int v = 0;
  for (int x : versions)
    if (x <= opset) v = x;
  return v;
}

bool OpInfo::holds(const std::string& typevar) const {
  return std::find(held.begin(), held.end(), typevar) != held.end();
}

const std::vector<OpInfo>& op_table() {
  static const std::vector<OpInfo> table = {
#define OP(Name, domain, family, versions, signature, types, precision) \
  make_info(#Name, domain, #family, versions, signature, types, #precision, &op_##Name),
#include "ops/ops.def"
#undef OP
  };
  return table;
}

const OpInfo* find_op(const std::string& domain, const std::string& op) {
  const std::string d = domain == "ai.onnx" ? "" : domain;
  for (const OpInfo& info : op_table())
    if (op == info.name && d == info.domain) return &info;
  return nullptr;
}

void check_signature(OpCtx& c, const OpInfo& info) {
  const Node& n = c.node();
  if (*info.domain == '\0' && info.version_at(n.opset) == 0)
    c.fail("the model imports opset " + std::to_string(n.opset) + ", before " + info.name + " existed (version " +
           std::to_string(info.versions.front()) + ")");
  auto count = [&](const std::vector<OpParam>& ps, const std::vector<int>& vs, const char* what) {
    size_t present = vs.size();
    while (present > 0 && vs[present - 1] < 0) --present;
    size_t lo = 0;  // up to the last required parameter (a variadic one, unless optional, takes at least one)
    bool variadic = false;
    for (size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].variadic) variadic = true;
      if (!ps[i].optional) lo = i + 1;
    }
    if (variadic && present < lo)
      c.fail(std::string("takes at least ") + std::to_string(lo) + " " + what + ", got " + std::to_string(present));
    if (!variadic && (present < lo || vs.size() > ps.size()))
      c.fail(std::string("takes ") + std::to_string(lo) + (ps.size() != lo ? " to " + std::to_string(ps.size()) : "") +
             " " + what + ", got " + std::to_string(vs.size() > ps.size() ? vs.size() : present));
  };
  count(info.inputs, n.inputs, "inputs");
  count(info.outputs, n.outputs, "outputs");
  std::map<std::string, std::pair<DType, size_t>> bound;  // type variable -> type, first input
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    if (n.inputs[k] < 0) continue;
    const OpParam& p = info.inputs[std::min(k, info.inputs.size() - 1)];
    const DType t = c.in(k).dtype;
    const TypeSet& set = info.types.at(p.typevar);
    if (!set.has(t))
      c.unsupported("input " + std::to_string(k) + " '" + p.name + "' " + quote_name(c.in(k).name) + " has type " +
                    dtype_name(t) + "; " + info.name + " takes " + p.typevar + " in {" + set.str() + "}");
    // The values a Loop or Scan carries and scans are of any types each (ONNX's heterogeneous V).
    if (p.variadic && info.def && info.def->structured) continue;
    auto it = bound.find(p.typevar);
    if (it == bound.end()) bound[p.typevar] = {t, k};
    else if (it->second.first != t)
      c.fail("inputs " + std::to_string(it->second.second) + " and " + std::to_string(k) + " must have one type (" +
             p.typevar + "), got " + dtype_name(it->second.first) + " and " + dtype_name(t));
  }
}

}  // namespace o2c
