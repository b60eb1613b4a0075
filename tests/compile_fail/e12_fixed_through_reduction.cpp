// expect: TT-E12
// kind: cannot broadcast
// link: -lopenblas
// A fixed [2,3] summed over axis 0 is a fixed [3] (a reduction keeps fixed shapes, as
// matmul and transpose do), so adding a fixed [2] to it is a compile error, not a run-time
// throw; so is a compile-time reshape to another size (tt::reshape<4>(a): TT-E12 too).
#include <typetape/tensor.hpp>

int main() {
  tt::variable<"a", xt::xtensor_fixed<double, xt::xshape<2, 3>>> a{};
#ifdef TT_CONTROL
  xt::xtensor_fixed<double, xt::xshape<3>> w{};
#else
  xt::xtensor_fixed<double, xt::xshape<2>> w{};
#endif
  return tt::gradient(tt::sum(tt::sum<0>(a) * w), a)(0, 0) == 0.0 ? 0 : 1;
}
