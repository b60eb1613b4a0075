// Exercise 20: shapes
//
// Shapes of xt::xtensor values are known at run time: an operation on shapes that do not
// fit throws tt::shape_error, whose message starts with TT-E12 and names the op and both
// shapes. Shapes of xt::xtensor_fixed values are part of their types, so the same mistake
// is a compile error where the expression is written.
//
// TODO: the loss is the sum of the entries of the matrix product A B^T, where A and B are
// 2 x 3 variables (the gradient is asked for A). The program multiplies A by B itself.
//
// shipped: TT-E12
// expect: dloss/dA = (5, 7, 9, 5, 7, 9)
// hint: tt::transpose(B) is B^T, a fixed 3 x 2: tt::matmul(A, tt::transpose(B)).
#include <cstdio>
#include <typetape/tensor.hpp>

int main() {
  using F23 = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
  tt::variable<"A", F23> A{F23{{1.0, 0.0, 2.0}, {0.5, -1.0, 1.0}}};
  tt::variable<"B", F23> B{F23{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}};
  auto loss = tt::sum(tt::matmul(A, B));  // TODO: A B^T
  const F23 g = tt::gradient(loss, A);
  std::printf("dloss/dA = (%.10g, %.10g, %.10g, %.10g, %.10g, %.10g)\n", g(0, 0), g(0, 1), g(0, 2),
              g(1, 0), g(1, 1), g(1, 2));
}
