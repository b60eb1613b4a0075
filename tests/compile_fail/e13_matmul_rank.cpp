// expect: TT-E13
// kind: wrong rank
// link: -lopenblas
// matmul of a rank-3 tensor: the rank is in the type, so the mistake is found when
// the expression is written, not when it runs.
#include <typetape/tensor.hpp>

int main() {
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"w", T2> w{T2{{1.0, 0.0}, {0.0, 1.0}}};
#ifdef TT_CONTROL
  const T2 x{{1.0, 2.0}, {3.0, 4.0}};
#else
  const xt::xtensor<double, 3> x = xt::ones<double>({2, 2, 2});
#endif
  const T2 g = tt::gradient(tt::sum(tt::matmul(w, x)), w);
  return g(0, 0) == 3.0 ? 0 : 1;
}
