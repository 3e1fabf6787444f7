// Embedding a generated model: classify a 28x28 8-bit PGM image with tiny_cnn.
//   c++ -std=c++17 -O2 -I/usr/include/eigen3 tiny_cnn.cpp main.cpp -o tiny_cnn_demo
//   ./tiny_cnn_demo ../../models/tiny_cnn/digit.pgm
#include <cstdio>
#include <memory>
#include <string>

#include "tiny_cnn.h"

static bool read_pgm(const char* path, float* pixels, int want_w, int want_h) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  char magic[3] = {0};
  int w = 0, h = 0, maxv = 0;
  bool ok = std::fscanf(f, "%2s %d %d %d", magic, &w, &h, &maxv) == 4 && std::string(magic) == "P5" &&
            w == want_w && h == want_h && maxv == 255 && std::fgetc(f) != EOF;
  for (int i = 0; ok && i < w * h; ++i) {
    int c = std::fgetc(f);
    if (c == EOF) ok = false;
    else pixels[i] = static_cast<float>(c) / 255.0f;
  }
  std::fclose(f);
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s image.pgm (28x28, 8-bit)\n", argv[0]);
    return 2;
  }
  static float image[28 * 28];
  static float probs[10];
  if (!read_pgm(argv[1], image, 28, 28)) {
    std::fprintf(stderr, "%s: not a 28x28 8-bit binary PGM\n", argv[1]);
    return 2;
  }
  // The arena lives in the Session; allocate it once and reuse it for every call.
  auto session = std::make_unique<tiny_cnn::Session>();
  tiny_cnn::inputs in{image};
  tiny_cnn::outputs out{probs};
  if (int rc = session->run(in, out); rc != ONNX2CPP_OK) {
    std::fprintf(stderr, "run failed: %d\n", rc);
    return 1;
  }
  int best = 0;
  for (int i = 0; i < 10; ++i) {
    std::printf("class %d: %.4f\n", i, static_cast<double>(probs[i]));
    if (probs[i] > probs[best]) best = i;
  }
  std::printf("top class: %d (arena %zu bytes, weights %zu bytes)\n", best, tiny_cnn::arena_bytes,
              tiny_cnn::weights_bytes);
  return 0;
}
