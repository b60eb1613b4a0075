// expect: TT-E15
// kind: scalar
// tt::hessian of a tensor expression: Hessians are of scalar functions.
#include <typetape/tensor.hpp>

int main() {
  tt::variable<"x", xt::xtensor<double, 1>> x{xt::xtensor<double, 1>{1.0, 2.0}};
  tt::variable<"s"> s{2.0};
#ifdef TT_CONTROL
  auto h = tt::hessian(s * s * s, s);
  return h[0][0] == 12.0 && x.get()(0) == 1.0 ? 0 : 1;
#else
  auto h = tt::hessian(tt::sum(x * x * x), x);
  return h.size() == 2 ? 0 : 1;
#endif
}
