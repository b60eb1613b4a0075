// expect: TT-E09
// kind: a temporary layer
// name: d.W
// link: -lopenblas
// A layer constructed and called in one expression: the expression it returns holds the
// layer's parameters by reference, and the layer is gone at the end of the statement (it
// compiled and dangled).
#include <typetape/nn.hpp>

using T2 = xt::xtensor<double, 2>;

int main() {
  const T2 x = xt::ones<double>({2, 3});
#ifdef TT_CONTROL
  tt::nn::dense<"d"> layer{3, 4};
  auto y = layer(x);
#else
  auto y = tt::nn::dense<"d">{3, 4}(x);
#endif
  const T2 v = tt::eval(y);
  return v.shape()[1] == 4 ? 0 : 1;
}
