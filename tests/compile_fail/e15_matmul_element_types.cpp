// expect: TT-E15
// kind: different element types
// link: -lopenblas
// A float matrix times a double one: BLAS has no mixed product.
#include <typetape/tensor.hpp>

int main() {
  tt::variable<"w", xt::xtensor<float, 2>> w{xt::xtensor<float, 2>{{1.f, 2.f}}};
  tt::variable<"x", xt::xtensor<double, 2>> x{xt::xtensor<double, 2>{{1.0}, {2.0}}};
#ifdef TT_CONTROL
  return tt::gradient(tt::sum(tt::matmul(tt::cast<double>(w), x)), x)(0, 0) == 1.0 ? 0 : 1;
#else
  return tt::gradient(tt::sum(tt::matmul(w, x)), x)(0, 0) == 1.0 ? 0 : 1;
#endif
}
