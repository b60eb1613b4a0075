// expect: TT-E14
// kind: plain number
// name: mu
// The same loop with a double accumulator: an expression is not a number to add up.
#include <typetape/typetape.hpp>
#include <vector>

int main() {
  tt::variable<"mu"> mu{0.5};
  const std::vector<double> y{1.0, 2.0, 4.0};
#ifdef TT_CONTROL
  auto loss = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::square(tt::at(y, i) - mu); });
  return tt::gradient(loss, mu) == -11.0 ? 0 : 1;
#else
  double loss = 0;
  for (double v : y) loss += tt::square(v - mu);
  return loss > 0 ? 0 : 1;
#endif
}
