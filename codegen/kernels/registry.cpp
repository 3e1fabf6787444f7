#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "kernels/eval.hpp"

namespace o2c {

const void* Frame::ptr(const Arg& a) const {
  const uint8_t* base = nullptr;
  switch (a.ref) {
    case Arg::Ref::Input: base = in.at(static_cast<size_t>(a.index))->bytes.data(); break;
    case Arg::Ref::Output: base = out.at(static_cast<size_t>(a.index))->bytes.data(); break;
    case Arg::Ref::Scratch: base = static_cast<const uint8_t*>(scratch); break;
    case Arg::Ref::Table: base = tables->at(static_cast<size_t>(a.index)).bytes.data(); break;
  }
  return base + dtype_bytes(a.dtype, a.offset);
}

const KernelInfo* find_kernel(const std::string& name) {
  static const std::vector<KernelInfo> table = {
#define HEADER(name, needs)
#define KERNEL(fn, header) {#fn, #header, &eval_##fn, false},
#define PKERNEL(fn, header) {#fn, #header, &eval_##fn, true},
#include "kernels/kernels.def"
#undef PKERNEL
#undef KERNEL
#undef HEADER
  };
  for (const KernelInfo& k : table)
    if (name == k.name) return &k;
  return nullptr;
}

std::vector<std::string> header_closure(const std::vector<std::string>& names) {
  static const std::map<std::string, std::string> needs = {
#define HEADER(name, needs) {#name, needs},
#define KERNEL(fn, header)
#include "kernels/kernels.def"
#undef KERNEL
#undef HEADER
  };
  std::vector<std::string> order;
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    if (!seen.insert(n).second) return;
    auto it = needs.find(n);
    if (it == needs.end()) throw std::logic_error("kernels.def: no header " + n);
    std::istringstream deps(it->second);
    for (std::string d; deps >> d;) visit(d);
    order.push_back(n);
  };
  for (const auto& n : names) visit(n);
  return order;
}

}  // namespace o2c
