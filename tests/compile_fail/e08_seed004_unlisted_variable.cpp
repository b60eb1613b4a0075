// expect: TT-E08
// kind: does not
// name: b
// link: -lopenblas
// Seed 004's custom Keras layer: variables made in __init__. In Keras 3 such a variable
// can be missing from trainable_variables, so an optimizer never trains it, silently.
// typetape: forward() uses `b`, params() does not list it: a compile error naming b.
#include <typetape/nn.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

struct my_custom_layer : tt::nn::layer<my_custom_layer> {
  tt::variable<"W", T2> W{T2::from_shape({100, 32})};
  tt::variable<"b", T1> b{T1::from_shape({32})};
#ifdef TT_CONTROL
  auto params() { return std::tie(W, b); }
#else
  auto params() { return std::tie(W); }
#endif
  template <class X>
  auto forward(const X& x) const {
    return tt::matmul(x, W) + b;
  }
};

int main() {
  my_custom_layer layer;
  const T2 input = xt::ones<double>({1, 100});
  auto loss = tt::sum(layer(input));
  auto g = tt::gradient(loss, layer.params());
  return std::get<0>(g)(0, 0) == 1.0 ? 0 : 1;
}
