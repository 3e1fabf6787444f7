// Output shapes that inputs' values decide at run time (templates/shape_data.hpp): Reshape's
// shape, a reduction's axes, Split's sizes, TopK's K fed as graph inputs. What the node tests
// (one value each) do not reach: one compiled file run at several values, the bounds planned
// at compile time, values the op cannot take returning an error, nothing written past a
// buffer.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "run_check.hpp"
#include "run_main.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// x [2, 3, 4] (0..23); shape [2], axes [1], sizes [2], k [1] are int64 inputs.
ModelBuilder shape_data_model() {
  ModelBuilder b(18);
  b.input("x", {2, 3, 4}).input("shape", {2}, 7).input("axes", {1}, 7).input("sizes", {2}, 7).input("k", {1}, 7);
  b.node("Reshape", {"x", "shape"}, {"r"});
  ModelBuilder::attr_i(b.node("ReduceSum", {"x", "axes"}, {"s"}), "keepdims", 0);
  ModelBuilder::attr_i(b.node("Split", {"x", "sizes"}, {"p", "q"}), "axis", 2);
  b.node("TopK", {"x", "k"}, {"tv", "ti"});
  b.output("r").output("s").output("p").output("q").output("tv").output("ti");
  return b;
}
}  // namespace

TEST_CASE("Shapes from run-time values: bounds planned from the input's shape", "[shapedata]") {
  ModelBuilder b = shape_data_model();
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "r").shape == Shape{24, 24});    // each dim at most the element count
  CHECK(value(c.graph, "s").shape == Shape{3, 4});      // dim i one of the input's dims i .. i+1
  CHECK(value(c.graph, "q").shape == Shape{2, 3, 4});   // the split axis at most its size
  CHECK(value(c.graph, "tv").shape == Shape{2, 3, 4});
  CHECK(value(c.graph, "r").dims[0].str(*c.graph.dims) == "dim0(r)");
  CHECK(value(c.graph, "ti").dims[2] == value(c.graph, "tv").dims[2]);  // one K for both outputs
  CHECK(c.files.header.find("at most [24,24]") != std::string::npos);
}

TEST_CASE("Shapes from run-time values: one compiled file at several values, errors for bad ones",
          "[shapedata][build]") {
  ModelBuilder b = shape_data_model();
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const std::string main_cpp = std::string(
        "#include <cstdio>\n#include \"m.h\"\n"
        "// Buffers of the planned bound plus guard elements the run must leave alone.\n"
        "static float r[576 + 8], s[12 + 8], p[24 + 8], q[24 + 8], tv[24 + 8];\n"
        "static int64_t ti[24 + 8];\n"
        "#define FAIL(code) do { std::printf(\"case %d: check %d\\n\", id, code); return code; } while (0)\n"
        "int run(int id, const int64_t* shape, const int64_t* axes, const int64_t* sizes, const int64_t* k, int rc_want) {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  float x[24];\n  for (int i = 0; i < 24; ++i) x[i] = float(i % 4 == 1 ? 30 - i : i);  // not sorted along the last axis\n"
        "  for (auto& v : r) v = -99;\n  for (auto& v : s) v = -99;\n  for (auto& v : p) v = -99;\n"
        "  for (auto& v : q) v = -99;\n  for (auto& v : tv) v = -99;\n  for (auto& v : ti) v = -99;\n"
        "  m_inputs in{};\n  in.x = x;\n  in.shape = shape;\n  in.axes = axes;\n  in.sizes = sizes;\n  in.k = k;\n"
        "  m_outputs out{};\n  out.r = r;\n  out.s = s;\n  out.p = p;\n  out.q = q;\n  out.tv = tv;\n  out.ti = ti;\n"
        "  const int rc = m_run(&in, &out, arena, sizeof arena);\n"
        "  if (rc != rc_want) FAIL(100 + rc);\n  if (rc) return 0;\n"
        "  // Reshape: the shape as given (a -1 resolved), the data unchanged.\n"
        "  const int64_t r0 = shape[0] == -1 ? 24 / shape[1] : shape[0], r1 = shape[1] == -1 ? 24 / shape[0] : shape[1];\n"
        "  if (out.shapes.r[0] != r0 || out.shapes.r[1] != r1) FAIL(1);\n"
        "  for (int i = 0; i < 24; ++i) if (r[i] != x[i]) FAIL(2);\n"
        "  for (int i = 24; i < 576 + 8; ++i) if (r[i] != -99) FAIL(3);\n"
        "  // ReduceSum over one axis, keepdims=0: [2, 3, 4] without it.\n"
        "  const int a = int(axes[0] < 0 ? axes[0] + 3 : axes[0]);\n"
        "  const int64_t dims[3] = {2, 3, 4};\n  int64_t kept[2], kn = 0;\n"
        "  for (int i = 0; i < 3; ++i) if (i != a) kept[kn++] = dims[i];\n"
        "  if (out.shapes.s[0] != kept[0] || out.shapes.s[1] != kept[1]) FAIL(4);\n"
        "  for (int i = 0; i < 2; ++i) for (int j = 0; j < 3; ++j) for (int l = 0; l < 4; ++l) {\n"
        "    const int idx[3] = {i, j, l};\n    int64_t o = 0;\n"
        "    for (int t = 0; t < 3; ++t) if (t != a) o = o * dims[t] + idx[t];\n"
        "    if (idx[a] == 0) { float want = 0; for (int m = 0; m < dims[a]; ++m) { int v[3] = {i, j, l}; v[a] = m; want += x[(v[0] * 3 + v[1]) * 4 + v[2]]; }\n"
        "      if (s[o] != want) FAIL(5); }\n  }\n"
        "  for (int i = int(kept[0] * kept[1]); i < 20; ++i) if (s[i] != -99) FAIL(6);\n"
        "  // Split along the last axis into sizes[0] and sizes[1] columns.\n"
        "  if (out.shapes.p[2] != sizes[0] || out.shapes.q[2] != sizes[1] || out.shapes.q[0] != 2) FAIL(7);\n"
        "  for (int row = 0; row < 6; ++row) {\n"
        "    for (int m = 0; m < sizes[0]; ++m) if (p[row * sizes[0] + m] != x[row * 4 + m]) FAIL(8);\n"
        "    for (int m = 0; m < sizes[1]; ++m) if (q[row * sizes[1] + m] != x[row * 4 + sizes[0] + m]) FAIL(9);\n  }\n"
        "  for (int i = int(6 * sizes[1]); i < 32; ++i) if (q[i] != -99) FAIL(10);\n"
        "  // TopK along the last axis: the k largest, in order, with their indices.\n"
        "  if (out.shapes.tv[2] != k[0] || out.shapes.ti[2] != k[0]) FAIL(11);\n"
        "  for (int row = 0; row < 6; ++row) {\n"
        "    float last = 1e9f;\n"
        "    for (int m = 0; m < k[0]; ++m) {\n"
        "      const float v = tv[row * k[0] + m];\n      const int64_t at = ti[row * k[0] + m];\n"
        "      if (v > last || at < 0 || at > 3 || x[row * 4 + at] != v) FAIL(12);\n"
        "      int larger = 0;\n      for (int t = 0; t < 4; ++t) larger += x[row * 4 + t] > v;\n"
        "      if (larger != m) FAIL(13);\n      last = v;\n    }\n  }\n"
        "  for (int i = int(6 * k[0]); i < 32; ++i) if (tv[i] != -99 || ti[i] != -99) FAIL(14);\n"
        "  return 0;\n}\n"
        "int main() {\n"
        "  const int64_t s1[2] = {4, 6}, s2[2] = {-1, 2}, bad_shape[2] = {5, 5}, two_infer[2] = {-1, -1};\n"
        "  const int64_t a1[1] = {1}, a2[1] = {-1}, bad_axis[1] = {3};\n"
        "  const int64_t z1[2] = {1, 3}, z2[2] = {4, 0}, bad_sizes[2] = {2, 3};\n"
        "  const int64_t k1[1] = {2}, k2[1] = {4}, bad_k[1] = {5};\n"
        "  int rc = 0;\n"
        "  if ((rc = run(1, s1, a1, z1, k1, ONNX2CPP_OK)) || (rc = run(2, s2, a2, z2, k2, ONNX2CPP_OK)) ||\n"
        "      (rc = run(3, bad_shape, a1, z1, k1, ONNX2CPP_ERR_DATA_VALUE)) ||\n"
        "      (rc = run(4, two_infer, a1, z1, k1, ONNX2CPP_ERR_DATA_VALUE)) ||\n"
        "      (rc = run(5, s1, bad_axis, z1, k1, ONNX2CPP_ERR_DATA_VALUE)) ||\n"
        "      (rc = run(6, s1, a1, bad_sizes, k1, ONNX2CPP_ERR_DATA_VALUE)) ||\n"
        "      (rc = run(7, s1, a1, z1, bad_k, ONNX2CPP_ERR_DATA_VALUE))) return rc;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("Shapes from run-time values: an empty tensor's reshape has no bound but --max", "[shapedata][build]") {
  ModelBuilder b(18);
  b.input("x", {0, 3}).input("shape", {3}, 7);
  auto& n = b.node("Reshape", {"x", "shape"}, {"y"});
  ModelBuilder::attr_i(n, "allowzero", 1);
  CHECK_THAT(error_of(b), Catch::Contains("--max y=N"));  // error_of adds output y
  ShapeBindings bind;
  bind.max["y"] = 8;
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), bind);
  Tensor shape(DType::Int64, {3});
  const int64_t want[3] = {3, 4, 0};
  std::copy(want, want + 3, shape.data<int64_t>());
  Tensor x(DType::Float, {0, 3}), y(DType::Float, {3, 4, 0});
  check_run(c, d.path, {tensor_to_proto(x, "x"), tensor_to_proto(shape, "shape")}, {tensor_to_proto(y, "y")});
}

TEST_CASE("Shapes from run-time values without a bound in the shapes: --max gives it", "[shapedata]") {
  ModelBuilder b(13);
  b.input("x", {3, 1}).input("shape", {2}, 7);
  b.node("Expand", {"x", "shape"}, {"y"});
  CHECK_THAT(error_of(b), Catch::Contains("output \"y\"") && Catch::Contains("input 1 \"shape\"") &&
                              Catch::Contains("--max y=N") && Catch::Contains("--freeze shape=value.pb"));
  ShapeBindings bind;
  bind.max["nothing"] = 4;
  CHECK_THAT(error_of(b, bind), Catch::Contains("--max names \"nothing\", which is not a tensor of the model"));
  TempDir d;
  ShapeBindings ok;
  ok.max["y"] = 5;
  const Compiled c = compile_file(b.save(d.path), ok);
  CHECK(value(c.graph, "y").shape == Shape{5, 5});  // each dim at most max(5, the input's largest)

  ModelBuilder crop(18);  // CenterCropPad's shape fed at run time: the same rule
  crop.input("x", {4, 6}).input("shape", {2}, 7);
  crop.node("CenterCropPad", {"x", "shape"}, {"y"});
  CHECK_THAT(error_of(crop), Catch::Contains("--max y=N"));
  TempDir d2;
  CHECK(value(compile_file(crop.save(d2.path), ok).graph, "y").shape == Shape{6, 6});
}

TEST_CASE("Expand to a shape read at run time under --max: several shapes, one too large",
          "[shapedata][build]") {
  ModelBuilder b(13);
  b.input("x", {3, 1}).input("shape", {2}, 7);
  b.node("Expand", {"x", "shape"}, {"y"});
  b.output("y");
  TempDir d;
  ShapeBindings bind;
  bind.max["y"] = 6;
  const Compiled c = compile_file(b.save(d.path), bind);
  const std::string main_cpp = std::string(
        "#include <cstdio>\n#include \"m.h\"\n"
        "int run(const int64_t* shape, int rc_want, int64_t rows, int64_t cols) {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  const float x[3] = {1, 2, 3};\n  float y[36 + 8];\n  for (auto& v : y) v = -99;\n"
        "  m_inputs in{};\n  in.x = x;\n  in.shape = shape;\n  m_outputs out{};\n  out.y = y;\n"
        "  const int rc = m_run(&in, &out, arena, sizeof arena);\n"
        "  if (rc != rc_want) return 100 + rc;\n  if (rc) return 0;\n"
        "  if (out.shapes.y[0] != rows || out.shapes.y[1] != cols) return 1;\n"
        "  for (int64_t i = 0; i < rows * cols; ++i) if (y[i] != x[i / cols]) return 2;\n"
        "  for (int64_t i = rows * cols; i < 44; ++i) if (y[i] != -99) return 3;\n"
        "  return 0;\n}\n"
        "int main() {\n"
        "  const int64_t a[2] = {3, 4}, b[2] = {1, 6}, too_wide[2] = {3, 7}, mismatch[2] = {2, 4};\n"
        "  int rc = 0;\n"
        "  if ((rc = run(a, ONNX2CPP_OK, 3, 4)) || (rc = run(b, ONNX2CPP_OK, 3, 6)) ||\n"
        "      (rc = run(too_wide, ONNX2CPP_ERR_DATA_SHAPE, 0, 0)) || (rc = run(mismatch, ONNX2CPP_ERR_DATA_VALUE, 0, 0))) return rc;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("Shapes from constant values of any type still fold", "[shapedata]") {
  // A float Range and a float window size are constants: not values read at run time.
  ModelBuilder b(17);
  b.init_f("s", {}, {0.5f}).init_f("l", {}, {3.0f}).init_f("d", {}, {0.5f});
  b.input("x", {1});
  b.node("Range", {"s", "l", "d"}, {"y"});
  b.output("y");
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.constant);
  CHECK(y.shape == Shape{5});
  CHECK(y.constant->float_at(4) == 2.5);
}

TEST_CASE("DFT along an axis read at run time: each axis from one compiled file, the last refused",
          "[shapedata][build]") {
  ModelBuilder b(20);
  b.input("x", {2, 3, 1}).input("axis", {}, 7);
  b.node("DFT", {"x", "", "axis"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const std::string main_cpp = std::string(
        "#include <cmath>\n#include <cstdio>\n#include \"m.h\"\n"
        "// y[.., k, .., 0/1] = sum_j x[.., j, ..] e^(-2 pi i j k / n) along the axis (x real).\n"
        "int run(int64_t axis, int rc_want) {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  const float x[6] = {1, 2, 3, 4, 5, 7};\n  static float y[4096];\n"
        "  m_inputs in{};\n  in.x = x;\n  in.axis = &axis;\n  m_outputs out{};\n  out.y = y;\n"
        "  const int rc = m_run(&in, &out, arena, sizeof arena);\n"
        "  if (rc != rc_want) return 100 + rc;\n  if (rc) return 0;\n"
        "  const int a = int(axis < 0 ? axis + 3 : axis), n = a == 0 ? 2 : 3;\n"
        "  if (out.shapes.y[0] != 2 || out.shapes.y[1] != 3 || out.shapes.y[2] != 2) return 1;\n"
        "  for (int i = 0; i < 2; ++i) for (int j = 0; j < 3; ++j) {\n"
        "    double re = 0, im = 0;\n"
        "    const int k = a == 0 ? i : j;\n"
        "    for (int m = 0; m < n; ++m) {\n"
        "      const float v = a == 0 ? x[m * 3 + j] : x[i * 3 + m];\n"
        "      re += v * std::cos(2 * M_PI * m * k / n);\n      im -= v * std::sin(2 * M_PI * m * k / n);\n    }\n"
        "    const float* q = y + (i * 3 + j) * 2;\n"
        "    if (std::fabs(q[0] - re) > 1e-4 || std::fabs(q[1] - im) > 1e-4) return 2;\n  }\n"
        "  return 0;\n}\n"
        "int main() {\n  int rc = 0;\n"
        "  if ((rc = run(0, ONNX2CPP_OK)) || (rc = run(1, ONNX2CPP_OK)) || (rc = run(-2, ONNX2CPP_OK)) ||\n"
        "      (rc = run(2, ONNX2CPP_ERR_DATA_VALUE)) || (rc = run(-4, ONNX2CPP_ERR_DATA_VALUE))) return rc;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

namespace {
// Resize of a constant xf (float [1, 1, 4, 6], linear, antialias) by `scales`, or of xi (int32,
// nearest, not_smaller on axes 2, 3) to `sizes`: the compiler's static path, folded.
Tensor folded_resize(bool ints, const std::vector<float>& scales, const std::vector<int64_t>& sizes,
                     std::vector<int64_t> shape) {
  ModelBuilder b(18);
  std::vector<float> xv(24);
  for (int i = 0; i < 24; ++i) xv[static_cast<size_t>(i)] = static_cast<float>((i * 7) % 24);
  if (ints) {
    std::vector<int64_t> iv(xv.begin(), xv.end());
    b.init_i("xs", {1, 1, 4, 6}, iv).init_i("sizes", {2}, sizes);
    onnx::NodeProto& cast = b.node("Cast", {"xs"}, {"xi"});
    ModelBuilder::attr_i(cast, "to", 6);
    onnx::NodeProto& n = b.node("Resize", {"xi", "", "", "sizes"}, {"r"});
    ModelBuilder::attr_s(n, "keep_aspect_ratio_policy", "not_smaller");
    ModelBuilder::attr_ints(n, "axes", {2, 3});
    return folded(b, "r", shape, 6);
  }
  b.init_f("xf", {1, 1, 4, 6}, xv).init_f("scales", {4}, scales);
  onnx::NodeProto& n = b.node("Resize", {"xf", "", "scales"}, {"r"});
  ModelBuilder::attr_s(n, "mode", "linear");
  ModelBuilder::attr_i(n, "antialias", 1);
  return folded(b, "r", shape);
}

std::string c_array(const Tensor& t, const char* type) {
  std::string s = std::string("static const ") + type + " want_" + std::to_string(t.numel()) + "_" + type + "[] = {";
  char buf[40];
  for (int64_t i = 0; i < t.numel(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", t.float_at(i));
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "};\n";
}
}  // namespace

TEST_CASE("Resize with scales and sizes read at run time: several sizes from one file, as the static path",
          "[shapedata][build]") {
  ModelBuilder b(18);
  b.input("xf", {1, 1, 4, 6}).input("scales", {4}).input("xi", {1, 1, 4, 6}, 6).input("sizes", {2}, 7);
  onnx::NodeProto& lin = b.node("Resize", {"xf", "", "scales"}, {"y"});
  ModelBuilder::attr_s(lin, "mode", "linear");
  ModelBuilder::attr_i(lin, "antialias", 1);
  onnx::NodeProto& near = b.node("Resize", {"xi", "", "", "sizes"}, {"z"});
  ModelBuilder::attr_s(near, "keep_aspect_ratio_policy", "not_smaller");
  ModelBuilder::attr_ints(near, "axes", {2, 3});
  b.output("z");
  TempDir d;
  CHECK_THAT(error_of(b), Catch::Contains("--max y=N"));  // adds the output y
  ShapeBindings bind;
  bind.max["y"] = 10;
  bind.max["z"] = 12;
  const Compiled c = compile_file(b.save(d.path), bind);
  CHECK(value(c.graph, "y").shape == Shape{10, 10, 10, 10});  // each dim at most max(10, the input's largest)
  // Upsampling and downsampling, each against what the compiler computes from constants.
  const Tensor up = folded_resize(false, {1, 1, 2, 1.5f}, {}, {1, 1, 8, 9});
  const Tensor down = folded_resize(false, {1, 1, 0.5f, 0.7f}, {}, {1, 1, 2, 4});
  const Tensor big = folded_resize(true, {}, {7, 5}, {1, 1, 7, 11});  // scale max(7/4, 5/6)
  const Tensor small = folded_resize(true, {}, {2, 1}, {1, 1, 2, 3});  // scale max(2/4, 1/6)
  const std::string main_cpp =
      "#include <cstdio>\n#include \"m.h\"\n" + c_array(up, "float") + c_array(down, "float") + c_array(big, "int") +
      c_array(small, "int") +
      "int run(const float* scales, const int64_t* sizes, int rc_want, const float* wy, const int* wz, int64_t ny, int64_t nz) {\n"
      "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
      "  float xf[24];\n  int xi[24];\n  for (int i = 0; i < 24; ++i) xf[i] = static_cast<float>(xi[i] = (i * 7) % 24);\n"
      "  static float y[10000 + 8];\n  static int z[10000 + 8];\n  for (auto& v : y) v = -99;\n  for (auto& v : z) v = -99;\n"
      "  m_inputs in{};\n  in.xf = xf;\n  in.scales = scales;\n  in.xi = xi;\n  in.sizes = sizes;\n"
      "  m_outputs out{};\n  out.y = y;\n  out.z = z;\n"
      "  const int rc = m_run(&in, &out, arena, sizeof arena);\n"
      "  if (rc != rc_want) return 100 + rc;\n  if (rc) return 0;\n"
      "  for (int64_t i = 0; i < ny; ++i) if (y[i] != wy[i]) return 1;\n"
      "  for (int64_t i = 0; i < nz; ++i) if (z[i] != wz[i]) return 2;\n"
      "  for (int64_t i = ny; i < 10008; ++i) if (y[i] != -99) return 3;\n"
      "  for (int64_t i = nz; i < 10008; ++i) if (z[i] != -99) return 4;\n"
      "  if (out.shapes.y[2] * out.shapes.y[3] != ny || out.shapes.z[2] * out.shapes.z[3] != nz) return 5;\n"
      "  return 0;\n}\n"
      "int main() {\n"
      "  const float up[4] = {1, 1, 2, 1.5f}, down[4] = {1, 1, 0.5f, 0.7f}, wide[4] = {1, 1, 1, 2}, neg[4] = {1, 1, -1, 1};\n"
      "  const int64_t big[2] = {7, 5}, small[2] = {2, 1}, tall[2] = {10, 1};\n"
      "  int rc = 0;\n"
      "  if ((rc = run(up, big, ONNX2CPP_OK, want_72_float, want_77_int, 72, 77)) ||\n"
      "      (rc = run(down, small, ONNX2CPP_OK, want_8_float, want_6_int, 8, 6)) ||\n"
      "      (rc = run(wide, small, ONNX2CPP_ERR_DATA_SHAPE, nullptr, nullptr, 0, 0)) ||\n"
      "      (rc = run(up, tall, ONNX2CPP_ERR_DATA_SHAPE, nullptr, nullptr, 0, 0)) ||\n"
      "      (rc = run(neg, small, ONNX2CPP_ERR_DATA_VALUE, nullptr, nullptr, 0, 0))) return rc;\n"
      "  std::printf(\"ok\\n\");\n  return 0;\n}\n";
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("MelWeightMatrix read at run time gives the matrix folded from the same values", "[shapedata][build]") {
  // One definition (k::mel_weight_matrix) for both: the run at bins 5, dft_length 16 must equal
  // the constant folded at compile time, its dims written at run time within --max.
  auto model = [](bool run_time) {
    ModelBuilder b(17);
    if (run_time) {
      b.input("bins", {}, 7).input("n", {}, 7).input("rate", {}, 7).input("lo", {}).input("hi", {});
    } else {
      b.init_i("bins", {}, {5}).init_i("n", {}, {16}).init_i("rate", {}, {8000});
      b.init_f("lo", {}, {100.0f}).init_f("hi", {}, {3500.0f});
    }
    b.node("MelWeightMatrix", {"bins", "n", "rate", "lo", "hi"}, {"y"});
    b.output("y");
    return b;
  };
  ModelBuilder fixed = model(false);
  const Compiled folded = compile_file(fixed.save(TempDir().path));
  const Value& y = value(folded.graph, "y");
  REQUIRE(y.constant);
  CHECK(y.shape == Shape{9, 5});
  ModelBuilder live = model(true);
  ShapeBindings bind;
  bind.max["y"] = 16;
  TempDir d;
  const Compiled c = compile_file(live.save(d.path), bind);
  auto i64 = [](int64_t v) {
    Tensor t(DType::Int64, {});
    t.data<int64_t>()[0] = v;
    return t;
  };
  check_run(c, d.path,
            {tensor_to_proto(i64(5), "bins"), tensor_to_proto(i64(16), "n"), tensor_to_proto(i64(8000), "rate"),
             tensor_to_proto(floats({}, {100.0f}), "lo"), tensor_to_proto(floats({}, {3500.0f}), "hi")},
            {tensor_to_proto(*y.constant, "y")});
}
