// See tests/xtensor_plain.cpp: typetape and a TU without it share xt::xtensor.
#include <typetape/tensor.hpp>

double sum_of_squares(const xt::xtensor<double, 1>& v);

int main() {
  tt::variable<"v", xt::xtensor<double, 1>> v{xt::xtensor<double, 1>{1.0, 2.0, 3.0}};
  const xt::xtensor<double, 1> g = tt::gradient(tt::sum(tt::square(v)), v);
  // d/dv sum(v^2) = 2v, so sum(g^2) = 4 sum(v^2) = 56, computed by the other TU
  return sum_of_squares(g) == 4 * sum_of_squares(v.get()) && sum_of_squares(v.get()) == 14.0 ? 0
                                                                                             : 1;
}
