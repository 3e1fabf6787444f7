// The digit classifier compiled by onnx2cpp (scripts/demo.sh), embedded in a program: says
// which digit an 8x8 PGM shows, then runs every held-out digit and prints the accuracy.
//   onnx2cpp models/digits/model.onnx --dim batch=1 -o digits.cpp
//   c++ -std=c++17 -O2 -I/usr/include/eigen3 -I. digits.cpp models/digits/demo.cpp -o digits_demo
//   ./digits_demo models/digits/digit.pgm models/digits/heldout.u8
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "digits.h"

namespace {

constexpr int kPixels = 64, kClasses = 10;

// An 8x8 binary PGM (any maxval up to 255) as the model's input: pixels / maxval.
bool read_pgm(const char* path, float* image) {
  std::ifstream f(path, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxv = 0;
  if (!(f >> magic >> w >> h >> maxv) || magic != "P5" || w != 8 || h != 8 || maxv < 1 || maxv > 255) return false;
  f.get();  // the one whitespace byte before the pixels
  for (int i = 0; i < kPixels; ++i) {
    const int c = f.get();
    if (c == EOF) return false;
    image[i] = static_cast<float>(c) / static_cast<float>(maxv);
  }
  return true;
}

// The most likely digit and its probability.
int classify(digits::Session& session, float* image, float* prob) {
  float probs[kClasses];
  digits::inputs in{image};
  digits::outputs out{probs};
  if (session.run(in, out) != ONNX2CPP_OK) return -1;
  int best = 0;
  for (int k = 1; k < kClasses; ++k)
    if (probs[k] > probs[best]) best = k;
  *prob = probs[best];
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s digit.pgm heldout.u8 [PyTorch's held-out accuracy]\n", argv[0]);
    return 2;
  }
  static_assert(DIGITS_IN_image_BYTES == kPixels * sizeof(float), "compile the model with --dim batch=1");
  digits::Session session;  // owns the arena: allocated once, reused by every run
  float image[kPixels], prob = 0;
  if (!read_pgm(argv[1], image)) {
    std::fprintf(stderr, "%s: not an 8x8 binary PGM\n", argv[1]);
    return 2;
  }
  const int digit = classify(session, image, &prob);
  std::printf("%s: the model sees a %d (probability %.3f)\n", argv[1], digit, static_cast<double>(prob));

  // heldout.u8: 65 bytes per digit, its label then 64 pixels of 0..16.
  std::ifstream f(argv[2], std::ios::binary);
  std::vector<unsigned char> rec(1 + kPixels);
  int total = 0, right = 0;
  while (f.read(reinterpret_cast<char*>(rec.data()), static_cast<std::streamsize>(rec.size()))) {
    for (int i = 0; i < kPixels; ++i) image[i] = rec[1 + i] / 16.0f;
    right += classify(session, image, &prob) == rec[0];
    ++total;
  }
  if (!total) {
    std::fprintf(stderr, "%s: no digits\n", argv[2]);
    return 2;
  }
  std::printf("held-out digits: %d of %d right, accuracy %.1f %% (compiled C++)", right, total, 100.0 * right / total);
  if (argc > 3) std::printf(", %.1f %% (PyTorch)", 100.0 * std::stod(argv[3]));
  std::printf("\n");
  return 0;
}
