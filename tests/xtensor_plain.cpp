// A translation unit that includes xtensor and not typetape. tests/xtensor_user.cpp passes
// it an xt::xtensor from a typetape program: if a typetape header changed xtensor's
// configuration (XTENSOR_USE_XSIMD changes xt::xtensor's allocator), the two TUs would
// name two different types and this would not link.
#include <xtensor/xtensor.hpp>

double sum_of_squares(const xt::xtensor<double, 1>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return s;
}
