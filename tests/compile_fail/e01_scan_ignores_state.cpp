// expect: TT-E01
// name: h0
// link: -lopenblas
// A scan whose cell never reads its state: after the first step the result does not depend
// on the initial state, so a learnable h0 has no gradient (TensorFlow eager: None). It was
// an all-zero gradient, silently.
#include <typetape/tensor.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;

int main() {
  tt::variable<"W", T2> w{xt::ones<double>({3, 2})};
  tt::variable<"h0", T2> h0{xt::zeros<double>({1, 2})};
  const T3 xs = xt::ones<double>({4, 1, 3});
#ifdef TT_CONTROL
  auto cell = [&](const auto& h, const auto& x) { return tt::tanh(tt::matmul(x, w) + h); };
#else
  auto cell = [&](const auto&, const auto& x) { return tt::tanh(tt::matmul(x, w)); };
#endif
  auto loss = tt::sum(tt::scan<"rnn">(cell, h0, xs));
  auto [gw, gh0] = tt::gradient(loss, std::tie(w, h0));
  return gw(0, 0) > 0.0 && gh0(0, 0) >= 0.0 ? 0 : 1;
}
