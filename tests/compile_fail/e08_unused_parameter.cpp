// expect: TT-E08
// kind: never
// name: gamma
// link: -lopenblas
// A layer that declares a parameter its forward expression never uses: in TensorFlow
// its gradient is None and the optimizer skips it with a warning, or raises.
#include <typetape/nn.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

struct scaled_dense : tt::nn::layer<scaled_dense> {
  tt::variable<"W", T2> W{xt::ones<double>({3, 2})};
  tt::variable<"gamma", T1> gamma{xt::ones<double>({2})};
  auto params() { return std::tie(W, gamma); }
  template <class X>
  auto forward(const X& x) const {
#ifdef TT_CONTROL
    return tt::matmul(x, W) * gamma;
#else
    return tt::matmul(x, W);  // gamma forgotten
#endif
  }
};

int main() {
  scaled_dense layer;
  const T2 input = xt::ones<double>({1, 3});
  auto out = layer(input);  // TT-E08 here, at the layer's call
  // and nothing more here: the gradient does not add a TT-E01 for gamma
  auto g = tt::gradient(tt::sum(out), layer.params());
  return std::get<1>(g)(0) == 3.0 ? 0 : 1;
}
