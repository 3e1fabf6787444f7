// rnn(): the recurrent product of a batch of one through the transposed weights (rnn_gemv),
// and the input projection through the transposed W (panel_matmul), against the general path
// (Eigen's products on W and R), for the three cells and both directions.
// The general path itself is checked by the ONNX conformance suite (LSTM, GRU, RNN tests).
#include "kt.hpp"

using namespace kt;

namespace {

void run_rnn(std::mt19937& g, k::RnnCell cell, i64 hidden, int dirs, bool linear_before_reset, i64 input = 7) {
  k::RnnParams p{};
  p.cell = cell;
  p.seq = 5;
  p.batch = 1;
  p.input = input;
  p.hidden = hidden;
  p.dirs = dirs;
  p.linear_before_reset = linear_before_reset;
  const int na = k::rnn_acts(p);
  for (int d = 0; d < dirs; ++d) {
    if (cell == k::RnnCell::LSTM) {
      p.act[d * na] = {k::Act::Sigmoid, 0, 0};
      p.act[d * na + 1] = {k::Act::Tanh, 0, 0};
      p.act[d * na + 2] = {k::Act::Tanh, 0, 0};
    } else if (cell == k::RnnCell::GRU) {
      p.act[d * na] = {k::Act::Sigmoid, 0, 0};
      p.act[d * na + 1] = {k::Act::Tanh, 0, 0};
    } else {
      p.act[d * na] = {k::Act::Tanh, 0, 0};
    }
  }
  const i64 G = k::rnn_gates(p) * hidden, H = hidden;
  INFO("cell " << int(cell) << " hidden " << hidden << " dirs " << dirs << " lbr " << linear_before_reset << " input "
                << input);
  REQUIRE(k::rnn_uses_rt(p));
  auto X = rand_vec<float>(g, p.seq * p.input, -1, 1);
  auto W = rand_vec<float>(g, dirs * G * p.input, -0.5, 0.5);
  auto R = rand_vec<float>(g, dirs * G * H, -0.5, 0.5);
  auto B = rand_vec<float>(g, dirs * 2 * G, -0.5, 0.5);
  std::vector<float> Rt(static_cast<size_t>(k::rnn_rt_size(p)));
  k::rnn_transpose_r(R.data(), Rt.data(), p);
  const i64 ny = p.seq * dirs * H;
  std::vector<float> Y1(ny), Y2(ny), H1(dirs * H), H2(dirs * H);
  std::vector<float> C1(dirs * H), C2(dirs * H);
  const bool lstm = cell == k::RnnCell::LSTM;
  {
    std::vector<float, Eigen::aligned_allocator<float>> s(k::rnn_scratch(p) + 16);
    k::rnn<float>(X.data(), W.data(), R.data(), B.data(), nullptr, nullptr, nullptr, nullptr, Y1.data(), H1.data(),
                  lstm ? C1.data() : nullptr, p, s.data());
  }
  {
    Guarded<float> s(k::rnn_scratch(p) + 16);
    k::rnn<float>(X.data(), W.data(), nullptr, B.data(), nullptr, nullptr, nullptr, nullptr, Y2.data(), H2.data(),
                  lstm ? C2.data() : nullptr, p, s.data(), Rt.data());
    CHECK(s.intact());
  }
  // The input projection on the panel microkernel too (W transposed, W itself absent).
  std::vector<float> Wt(W.size()), Y3(ny), H3(dirs * H), C3(dirs * H);
  k::rnn_transpose_w(W.data(), Wt.data(), p);
  {
    Guarded<float> s(k::rnn_scratch(p) + 16);
    k::rnn<float>(X.data(), nullptr, nullptr, B.data(), nullptr, nullptr, nullptr, nullptr, Y3.data(), H3.data(),
                  lstm ? C3.data() : nullptr, p, s.data(), Rt.data(), Wt.data());
    CHECK(s.intact());
  }
  const std::vector<double> want(Y1.begin(), Y1.end());
  // Two summation orders of H products per step, over 5 steps.
  check_near(Y2.data(), want, 1e-5, 2e-6 * std::sqrt(double(H)), "Y");
  check_near(Y3.data(), want, 1e-5, 2e-6 * std::sqrt(double(H + p.input)), "Y (Wt)");
}

}  // namespace

TEST_CASE("rnn: a batch of one through the transposed recurrent weights", "[rnn]") {
  std::mt19937 g(91);
  for (i64 hidden : {i64(1), i64(3), i64(16), i64(37), i64(128)})
    for (int dirs : {1, 2}) {
      run_rnn(g, k::RnnCell::LSTM, hidden, dirs, false);
      run_rnn(g, k::RnnCell::GRU, hidden, dirs, true);
      run_rnn(g, k::RnnCell::RNN, hidden, dirs, false);
    }
  // An input long enough for the projection's K in two passes of the panel kernel.
  run_rnn(g, k::RnnCell::LSTM, 16, 2, false, 800);
  run_rnn(g, k::RnnCell::GRU, 16, 1, true, 800);
}
