// The consumer's program: runs the model compiled by onnx2cpp_add_model on PyTorch's input and
// checks every output value against PyTorch's (exit 1 on a difference).
//   app input_0.pb output_0.pb
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "net.h"

constexpr size_t kIn = NET_IN_image_BYTES / sizeof(float), kOut = NET_OUT_probs_BYTES / sizeof(float);

// The floats of a TensorProto file holding raw_data: protobuf writes fields in the order of
// their numbers, so raw_data (9) comes after dims, data_type and name: the file's last bytes.
static bool read_tail(const char* path, float* values, size_t count) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
  const size_t n = count * sizeof(float);
  if (bytes.size() < n) return false;
  std::copy(bytes.end() - static_cast<long>(n), bytes.end(), reinterpret_cast<char*>(values));
  return true;
}

int main(int argc, char** argv) {
  static float image[kIn], probs[kOut], want[kOut];
  if (argc != 3 || !read_tail(argv[1], image, kIn) || !read_tail(argv[2], want, kOut)) {
    std::fprintf(stderr, "usage: %s input_0.pb output_0.pb\n", argv[0]);
    return 2;
  }
  net::Session session;
  net::inputs in{image};
  net::outputs out{probs};
  if (session.run(in, out) != ONNX2CPP_OK) return 1;
  int bad = 0;
  for (size_t i = 0; i < kOut; ++i) {
    std::printf("output %zu: %.6f (PyTorch %.6f)\n", i, static_cast<double>(probs[i]), static_cast<double>(want[i]));
    bad += std::fabs(probs[i] - want[i]) > 1e-4f + 1e-3f * std::fabs(want[i]);
  }
  std::printf("%s\n", bad ? "FAIL" : "PASS");
  return bad ? 1 : 0;
}
