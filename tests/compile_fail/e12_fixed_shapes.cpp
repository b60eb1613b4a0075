// expect: TT-E12
// kind: cannot broadcast
// link: -lopenblas
// Two fixed-shape tensors whose shapes cannot broadcast: the shapes are in the
// types, so the mistake is a compile error, not an exception.
#include <typetape/tensor.hpp>

int main() {
  using F23 = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
#ifdef TT_CONTROL
  using Other = xt::xtensor_fixed<double, xt::xshape<1, 3>>;
#else
  using Other = xt::xtensor_fixed<double, xt::xshape<3, 2>>;
#endif
  tt::variable<"a", F23> a{F23{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}};
  Other b;
  b.fill(1.0);
  const F23 g = tt::gradient(tt::sum(a * b), a);
  return g(1, 2) == 1.0 ? 0 : 1;
}
