// expect: TT-E12
// kind: cannot broadcast
// link: -lopenblas
// A fixed [2,3] x [3,4] product plus a fixed [3] bias: the product's shape is in its type
// (transpose keeps it too), so the misfit bias is a compile error, not a run-time throw.
#include <typetape/tensor.hpp>

int main() {
  tt::variable<"x", xt::xtensor_fixed<double, xt::xshape<2, 3>>> x{};
  tt::variable<"W", xt::xtensor_fixed<double, xt::xshape<4, 3>>> W{};
#ifdef TT_CONTROL
  xt::xtensor_fixed<double, xt::xshape<4>> b{};
#else
  xt::xtensor_fixed<double, xt::xshape<3>> b{};
#endif
  return tt::gradient(tt::sum(tt::matmul(x, tt::transpose(W)) + b), W)(0, 0) == 0.0 ? 0 : 1;
}
