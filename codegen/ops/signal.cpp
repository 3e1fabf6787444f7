// DFT, STFT (templates/signal.hpp), the window functions and MelWeightMatrix (compile-time
// constants: their inputs decide their shapes).
#include <cmath>

#include "ir/limits.hpp"
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"
#include "templates/shape_data.hpp"  // window_data: the windows computed at compile time too

namespace o2c {
namespace {

// An int scalar input known at compile time (a one-element tensor).
int64_t const_int(OpCtx& c, size_t i, const char* what) {
  const Tensor& t = c.require_const(i, what);
  if (t.numel() != 1) c.fail(std::string(what) + " must be a scalar");
  return t.int_at(0);
}
double const_float(OpCtx& c, size_t i, const char* what) {
  const Tensor& t = c.require_const(i, what);
  if (t.numel() != 1) c.fail(std::string(what) + " must be a scalar");
  return t.float_at(0);
}

// A constant output of type t from values computed in double.
void set_const_values(OpCtx& c, DType t, Shape s, const std::vector<double>& v) {
  Tensor y(t, std::move(s));
  const bool ok = dispatch_native(t, kNumTypes, [&](auto tag) {
    using E = typename decltype(tag)::type;
    for (size_t i = 0; i < v.size(); ++i) y.data<E>()[i] = static_cast<E>(v[i]);
  });
  if (!ok) c.unsupported("output_datatype " + dtype_name(t));
  c.set_const(0, std::move(y));
}

// ---- DFT: along one axis of a real ([..., 1]) or complex ([..., 2]) signal -----------------

struct DFTAttrs {
  int64_t axis = 1;  // version 17 (an input from version 20)
  int64_t inverse = 0;
  int64_t onesided = 0;
  template <class V>
  void fields(V& v) {
    if (v.version < 20) v("axis", axis);
    v("inverse", inverse);
    v("onesided", onesided);
  }
};

struct DFTPlan {
  int64_t outer, n, inner, cin, L, n_out, cout, sign;
  bool half;
};

// A DFT length is positive and at most 2^32 (its scratch, 2 L doubles, is counted in 64 bits:
// the fuzzer's 2^62 overflowed it).
void check_dft_length(OpCtx& c, int64_t L) {
  if (L <= 0 || L > (int64_t(1) << 32)) c.fail("dft_length must be in [1, 2^32], got " + std::to_string(L));
}

DFTPlan dft_plan(OpCtx& c, Shape* out) {
  const auto a = c.attrs<DFTAttrs>();
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0);
  if (r < 2) c.fail("input must have rank >= 2, got " + shape_str(x));
  DFTPlan p{};
  p.cin = x.back();
  if (p.cin != 1 && p.cin != 2) c.fail("the last dim of input must be 1 (real) or 2 (complex), got " + shape_str(x));
  int64_t axis = a.axis;
  if (c.version() >= 20) axis = c.has_in(2) ? const_int(c, 2, "axis") : -2;
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r - 2) c.fail("axis " + std::to_string(axis) + " out of range for input " + shape_str(x));
  p.n = x[axis];
  const bool inverse = a.inverse != 0, onesided = a.onesided != 0;
  p.half = inverse && onesided;
  if (c.has_in(1)) {
    p.L = const_int(c, 1, "dft_length");
  } else {
    p.L = p.half ? 2 * (p.n - 1) : p.n;
  }
  check_dft_length(c, p.L);
  p.sign = inverse ? 1 : -1;
  p.n_out = inverse ? p.L : onesided ? p.L / 2 + 1 : p.L;
  p.cout = p.half ? 1 : 2;
  p.outer = numel(Shape(x.begin(), x.begin() + axis));
  p.inner = numel(Shape(x.begin() + axis + 1, x.end() - 1));
  *out = x;
  (*out)[axis] = p.n_out;
  out->back() = p.cout;
  return p;
}

// An axis known only at run time (version 20; templates/shape_data.hpp): the output's dims are
// the input's but the axis' (its DFT length's output count) and the last; each a run-time dim
// at most the most any of them can be. dft_length, when given, must be a constant.
bool dft_axis_from_data(OpCtx& c) { return c.version() >= 20 && values_at_run_time(c, 2); }

struct DFTData {
  int64_t length = -1;  // dft_length, -1: the axis' size
  int64_t most_L = 0;   // the most L can be
  int64_t bound = 0;    // the most any output dim can be
};
DFTData dft_data_plan(OpCtx& c) {
  const auto a = c.attrs<DFTAttrs>();
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0);
  if (c.in(0).dynamic()) c.unsupported("DFT of run-time dims with an axis known only at run time");
  if (r < 2 || (x.back() != 1 && x.back() != 2)) c.fail("input must have rank >= 2 and a last dim of 1 or 2, got " + shape_str(x));
  if (numel(c.shape(2)) != 1) c.fail("axis must be a scalar");
  DFTData p;
  if (c.has_in(1)) p.length = const_int(c, 1, "dft_length");
  if (c.has_in(1)) check_dft_length(c, p.length);
  const bool half = a.inverse && a.onesided;
  for (int64_t i = 0; i + 1 < r; ++i) p.most_L = std::max(p.most_L, p.length >= 0 ? p.length : half ? 2 * (x[static_cast<size_t>(i)] - 1) : x[static_cast<size_t>(i)]);
  if (p.most_L > 0) check_dft_length(c, p.most_L);
  p.bound = std::max({p.most_L, largest_dim(x), int64_t{2}});
  return p;
}

void infer_DFT(OpCtx& c) {
  if (dft_axis_from_data(c)) {
    const DFTData p = dft_data_plan(c);
    c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(c.shape(0).size(), p.bound)));
    c.set_scratch(2 * std::max<int64_t>(p.most_L, 1) * static_cast<int64_t>(sizeof(double)));
    return;
  }
  Shape out;
  const DFTPlan p = dft_plan(c, &out);
  c.set_out(0, c.dtype(0), out);
  c.set_scratch(2 * p.L * static_cast<int64_t>(sizeof(double)));
}
void lower_DFT(LowerCtx& c) {
  if (dft_axis_from_data(c)) {
    const auto a = c.attrs<DFTAttrs>();
    const DFTData p = dft_data_plan(c);
    c.call("dft_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(2), index(p.length),
                        boolean(a.inverse != 0), boolean(a.onesided != 0), index(p.most_L), index(p.bound), c.scratch(DType::Double),
                        dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  Shape out;
  const DFTPlan p = dft_plan(c, &out);
  if (numel(out) == 0) return;
  if (numel(c.shape(0)) == 0) c.unsupported("an empty input with a non-empty output");
  c.call("dft", {c.X(0), c.Y(0), index(p.outer), index(p.n), index(p.inner), index(p.cin), index(p.L), index(p.n_out),
                 index(p.cout), index(p.sign), boolean(p.half), c.scratch(DType::Double)});
}

// ---- STFT: DFTs of windowed frames of signal[batch, length, 1 or 2] ------------------------

struct STFTAttrs {
  int64_t onesided = 1;
  O2C_FIELDS(onesided)
};

struct STFTPlan {
  int64_t batch, len, cin, step, frames, L, n_out;
};

// The signal's shape and the window's length (-1: none), checked.
STFTPlan stft_shape(OpCtx& c, int64_t* W) {
  const Shape& x = c.shape(0);
  if (x.size() != 3 || (x[2] != 1 && x[2] != 2)) c.fail("signal must be [batch, length, 1 or 2], got " + shape_str(x));
  STFTPlan p{};
  p.batch = x[0];
  p.len = x[1];
  p.cin = x[2];
  *W = -1;
  if (c.has_in(2)) {
    if (c.rank(2) != 1) c.fail("window must have rank 1, got " + shape_str(c.shape(2)));
    *W = c.shape(2)[0];
  }
  return p;
}

STFTPlan stft_plan(OpCtx& c) {
  int64_t W = -1;
  STFTPlan p = stft_shape(c, &W);
  p.step = const_int(c, 1, "frame_step");
  const int64_t length = c.has_in(3) ? const_int(c, 3, "frame_length") : -1;
  const int rc = k::stft_geometry(p.len, p.step, length, W, c.attrs<STFTAttrs>().onesided != 0, &p.L, &p.frames, &p.n_out);
  if (rc == k::kStftBadStep) c.fail("frame_step must be positive");
  if (rc == k::kStftWindow) c.fail("the window's length differs from frame_length");
  if (rc == k::kStftBadLength) c.fail("frame_length must be in [1, signal length " + std::to_string(p.len) + "]");
  return p;
}

// frame_step or frame_length known only at run time (k::stft_data): every output dim is at
// most the signal's length (frames and bins do not outnumber its samples), its batch, or 2.
bool stft_from_data(OpCtx& c) { return values_at_run_time(c, 1) || values_at_run_time(c, 3); }
int64_t stft_data_bound(OpCtx& c) {
  for (size_t i : {size_t{1}, size_t{3}})
    if (c.has_in(i) && numel(c.shape(i)) != 1) c.fail(std::string(i == 1 ? "frame_step" : "frame_length") + " must be a scalar");
  return std::max(largest_dim(c.shape(0)), int64_t{2});
}

void infer_STFT(OpCtx& c) {
  if (stft_from_data(c)) {
    int64_t W = -1;
    const STFTPlan p = stft_shape(c, &W);
    stft_data_bound(c);  // checks the scalars
    c.set_out_dims(0, c.dtype(0), data_dims(c, 0, {p.batch, std::max<int64_t>(p.len, 1), std::max<int64_t>(p.len, 1), 2}));
    c.set_scratch(2 * std::max<int64_t>(p.len, 1) * static_cast<int64_t>(sizeof(double)));
    return;
  }
  const STFTPlan p = stft_plan(c);
  c.set_out(0, c.dtype(0), {p.batch, p.frames, p.n_out, 2});
  c.set_scratch(2 * p.L * static_cast<int64_t>(sizeof(double)));
}
void lower_STFT(LowerCtx& c) {
  if (stft_from_data(c)) {
    int64_t W = -1;
    const STFTPlan p = stft_shape(c, &W);
    const DType it = c.dtype(1);
    if (c.has_in(3) && c.dtype(3) != it) c.unsupported("frame_step and frame_length of different types");
    c.call("stft_data", {c.X(0), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), index(p.batch), index(p.len),
                         index(p.cin), c.X(1), c.has_in(3) ? c.X(3) : null_of(it), index(W),
                         boolean(c.attrs<STFTAttrs>().onesided != 0), index(stft_data_bound(c)), c.scratch(DType::Double),
                         dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  const STFTPlan p = stft_plan(c);
  if (p.batch == 0) return;
  c.call("stft", {c.X(0), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), index(p.batch), index(p.len),
                  index(p.cin), index(p.step), index(p.frames), index(p.L), index(p.n_out), c.scratch(DType::Double)});
}

// ---- HannWindow, HammingWindow, BlackmanWindow: constants of the size input ----------------

struct WindowAttrs {
  int64_t output_datatype = 1;  // float
  int64_t periodic = 1;
  O2C_FIELDS(output_datatype, periodic)
};

// The coefficients of each window.
struct WindowCoefs {
  double a0, a1, a2;
};
WindowCoefs window_coefs(const OpCtx& c) {
  if (c.node().op == "HannWindow") return {0.5, 0.5, 0.0};
  if (c.node().op == "HammingWindow") return {25.0 / 46.0, 21.0 / 46.0, 0.0};
  return {0.42, 0.5, 0.08};  // BlackmanWindow
}

// A size known only at run time: at most --max; computed by the kernel (templates/shape_data.hpp).
DType window_data_type(OpCtx& c) {
  const auto t = static_cast<DType>(c.attrs<WindowAttrs>().output_datatype);
  if (!kNumTypes.has(t)) c.unsupported("a window of " + dtype_name(t) + " with a size known only at run time");
  if (numel(c.shape(0)) != 1 || (c.dtype(0) != DType::Int64 && c.dtype(0) != DType::Int32))
    c.fail("size must be an int32 or int64 scalar");
  return t;
}
void lower_window(LowerCtx& c) {  // only a size known at run time has code: the others are constants
  const WindowCoefs w = window_coefs(c);
  const Dim n = c.out(0).dims.at(0);
  c.call("window_data", {c.X(0), scalar(DType::Double, w.a0), scalar(DType::Double, w.a1), scalar(DType::Double, w.a2), boolean(c.attrs<WindowAttrs>().periodic != 0), c.Y(0),
                         index(c.dim_table().bound(n)), c.dim_out(n)});
  c.calls.back().status = true;
}

// w(n) = a0 - a1 cos(2 pi n / N1) + a2 cos(4 pi n / N1), N1 = size (periodic) or size - 1.
void infer_window(OpCtx& c) {
  const auto a = c.attrs<WindowAttrs>();
  if (values_at_run_time(c, 0)) return c.set_out_dims(0, window_data_type(c), {data_dim_at(c, 0, 0, user_bound(c, 0, 0))});
  const auto [a0, a1, a2] = window_coefs(c);
  const int64_t size = const_int(c, 0, "size");
  if (size < 0) c.fail("size must not be negative");
  if (size > kMaxTensorBytes / 8) c.unsupported("a window of " + std::to_string(size) + " elements");
  std::vector<double> v(static_cast<size_t>(size));
  int64_t n = 0;  // k::window_data: the code that runs when the size arrives at run time
  k::window_data(&size, a0, a1, a2, a.periodic != 0, v.data(), size, &n);
  set_const_values(c, static_cast<DType>(a.output_datatype), {size}, v);
}

// ---- MelWeightMatrix: [dft_length / 2 + 1, num_mel_bins] triangular filters ----------------

struct MelAttrs {
  int64_t output_datatype = 1;  // float
  O2C_FIELDS(output_datatype)
};

// The filters in double (k::mel_weight_matrix, the code that runs when the inputs arrive at run
// time: mel_data, within --max), then the output type.
void infer_MelWeightMatrix(OpCtx& c) {
  const auto a = c.attrs<MelAttrs>();
  const auto t = static_cast<DType>(a.output_datatype);
  bool run_time = false;
  for (size_t i = 0; i < 5; ++i) {
    if (numel(c.shape(i)) != 1) c.fail("num_mel_bins, dft_length, sample_rate and the edges must be scalars");
    run_time = run_time || values_at_run_time(c, i);
  }
  if (run_time) {
    if (!kNumTypes.has(t)) c.unsupported("a MelWeightMatrix of " + dtype_name(t) + " with inputs known only at run time");
    int64_t bound = 0;
    for (size_t i = 0; i < 5 && bound == 0; ++i)
      if (values_at_run_time(c, i)) bound = user_bound(c, 0, i);
    return c.set_out_dims(0, t, {data_dim_at(c, 0, 0, bound), data_dim_at(c, 0, 1, bound)});
  }
  const int64_t bins = const_int(c, 0, "num_mel_bins"), dft_length = const_int(c, 1, "dft_length");
  const int64_t rate = const_int(c, 2, "sample_rate");
  const double lo = const_float(c, 3, "lower_edge_hertz"), hi = const_float(c, 4, "upper_edge_hertz");
  if (bins <= 0 || dft_length <= 0 || rate <= 0) c.fail("num_mel_bins, dft_length and sample_rate must be positive");
  const int64_t spec = dft_length / 2 + 1, most = std::numeric_limits<int64_t>::max();
  if (bins > kMaxTensorBytes / 8 / spec)
    c.unsupported("a matrix of " + std::to_string(spec) + " x " + std::to_string(bins) + " elements");
  if (k::mel_weight_matrix<double>(bins, dft_length, rate, lo, hi, nullptr, most) != 0)
    c.fail("the mel bands fall outside the spectrogram's bins (edges beyond sample_rate / 2)");
  std::vector<double> v(static_cast<size_t>(spec * bins));
  k::mel_weight_matrix<double>(bins, dft_length, rate, lo, hi, v.data(), most);
  set_const_values(c, t, {spec, bins}, v);
}

void lower_MelWeightMatrix(LowerCtx& c) {  // only inputs known at run time have code: the others fold
  const std::vector<Dim>& d = c.out(0).dims;
  c.call("mel_data", {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.Y(0), index(c.dim_table().bound(d.at(0))), dim_outs(c, d)});
  c.calls.back().status = true;
}

}  // namespace

O2C_DEFINE_OP(DFT, infer_DFT, lower_DFT);
O2C_DEFINE_OP(STFT, infer_STFT, lower_STFT);
O2C_DEFINE_OP(HannWindow, infer_window, lower_window);
O2C_DEFINE_OP(HammingWindow, infer_window, lower_window);
O2C_DEFINE_OP(BlackmanWindow, infer_window, lower_window);
O2C_DEFINE_OP(MelWeightMatrix, infer_MelWeightMatrix, lower_MelWeightMatrix);

}  // namespace o2c
