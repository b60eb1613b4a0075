// Exercise 18: tensors and broadcasting
//
// #include <typetape/tensor.hpp> adds variables and constants whose values are xtensor
// arrays: tt::variable<"w", xt::xtensor<double, 1>>. A plain xt::xtensor in an expression
// is a constant. Elementwise operations broadcast as in NumPy: below, x has shape (2, 3),
// w shape (3,) is applied to each row, and the scalar variable b is added everywhere. Each
// gradient has its source's shape: the adjoint of a broadcast operand is summed back.
//
// A gradient needs a scalar target. TensorFlow silently sums a tensor target; typetape
// asks you to say what you mean.
//
// TODO: differentiate the sum of the squares.
//
// shipped: TT-E07
// expect: dloss/dw = (19.5, -54.5, 184.5), dloss/db = 30
// hint: tt::sum(tt::square(y)) is a scalar. (tt::output_gradients(g), with g of y's shape,
// hint: is the other way, for a weighted sum.)
#include <cstdio>
#include <tuple>
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  const T2 x{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  tt::variable<"w", T1> w{T1{0.5, -1.0, 2.0}};
  tt::variable<"b"> b{0.25};
  auto y = x * w + b;
  const auto [gw, gb] = tt::gradient(tt::square(y), std::tie(w, b));  // TODO: a scalar loss
  std::printf("dloss/dw = (%.10g, %.10g, %.10g), dloss/db = %.10g\n", gw(0), gw(1), gw(2), gb);
}
