// Two translation units use the whole library; a non-inline definition in a
// header would be a multiple-definition link error.
#include <typetape/typetape.hpp>
#ifdef TT_HAVE_TENSOR
#include <typetape/tensor.hpp>
#endif

double odr_b();

double odr_a() {
  tt::variable<"x"> x{2.0};
#ifdef TT_HAVE_TENSOR
  tt::variable<"v", xt::xtensor<double, 1>> v{xt::xtensor<double, 1>{2.0, 3.0}};
  const auto gv = tt::gradient(tt::sum(tt::sin(v) * v), v);
  return tt::gradient(tt::sin(x) * x, x) + gv(1);
#else
  return tt::gradient(tt::sin(x) * x, x);
#endif
}

int main() {
  const double a = odr_a(), b = odr_b();
  return (a == b && a != 0.0) ? 0 : 1;
}
