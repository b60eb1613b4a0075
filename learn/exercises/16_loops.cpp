// Exercise 16: loops with tt::sum_over
//
// The type of an expression is its whole formula, so a C++ loop cannot grow one:
// loss = loss + term would give loss a new type at every iteration, and the number of
// iterations is known only at run time. A loop is one node instead:
// tt::sum_over<"i">(n, [&](auto i) { return term; }) is the sum of term over i in [0, n).
// The body is called once, on a placeholder index; tt::at(y, i) reads element i of the data
// y in place.
//
// TODO: write the sum of squared errors as one tt::sum_over.
//
// shipped: TT-E14
// expect: dloss/dmu = -11
// hint: auto loss = tt::sum_over<"i">(y.size(), [&](auto i) {
// hint:   return tt::square(tt::at(y, i) - mu); });
#include <cstdio>
#include <typetape/typetape.hpp>
#include <vector>

int main() {
  tt::variable<"mu"> mu{0.5};
  const std::vector<double> y{1.0, 2.0, 4.0};
  // TODO: one tt::sum_over instead of this loop
  auto loss = tt::square(y[0] - mu);
  for (std::size_t i = 1; i < y.size(); ++i) loss = loss + tt::square(y[i] - mu);
  std::printf("dloss/dmu = %.10g\n", tt::gradient(loss, mu));
}
