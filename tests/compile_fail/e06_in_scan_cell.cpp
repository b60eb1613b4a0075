// expect: TT-E06
// kind: data-dependent branch
// link: -lopenblas
// An `if` on a recorded value inside a scan cell: the cell is traced once, so one branch
// would be baked into every step. TT-E06 at the cell's line, as outside a scan.
#include <typetape/nn.hpp>

using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;

int main() {
  tt::variable<"W", T2> w{xt::ones<double>({3, 2})};
  tt::variable<"h0", T2> h0{xt::zeros<double>({1, 2})};
  const T3 xs = xt::ones<double>({4, 1, 3});
  auto cell = [&](const auto& h, const auto& x) {
    auto pre = tt::matmul(x, w) + h;
#ifdef TT_CONTROL
    return tt::where(pre > 0.0, pre, 0.5 * pre);
#else
    const double slope = tt::sum(pre) > 0.0 ? 1.0 : 0.5;  // a branch on a recorded value
    return tt::tanh(slope * pre);
#endif
  };
  auto loss = tt::sum(tt::scan<"rnn">(cell, h0, xs));
  auto [gw, gh0] = tt::gradient(loss, std::tie(w, h0));
  // every pre-activation is positive, so h_t = h_(t-1) + x W and the loss is
  // sum(h0 + 4 x W): dloss/dW = 4 (x is all ones), dloss/dh0 = 1
  return gw(0, 0) == 4.0 && gh0(0, 1) == 1.0 ? 0 : 1;
}
