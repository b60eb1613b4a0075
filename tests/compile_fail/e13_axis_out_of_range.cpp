// expect: TT-E13
// kind: axis is out of range
// link: -lopenblas
// A reduction along an axis the tensor does not have: NumPy and TensorFlow raise
// at run time; the rank is in the type, so here it is a compile error.
#include <typetape/tensor.hpp>

int main() {
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"a", T2> a{T2{{1.0, 2.0}, {3.0, 4.0}}};
#ifdef TT_CONTROL
  auto y = tt::sum(tt::sum<1>(a));
#else
  auto y = tt::sum(tt::sum<2>(a));
#endif
  const T2 g = tt::gradient(y, a);
  return g(1, 1) == 1.0 ? 0 : 1;
}
