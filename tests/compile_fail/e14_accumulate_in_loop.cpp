// expect: TT-E14
// kind: accumulated in a C++ loop
// name: mu
// A newcomer's loop over run-time data: each `loss = loss + term` would make a new
// expression type. The loop is one node: tt::sum_over.
#include <typetape/typetape.hpp>
#include <vector>

int main() {
  tt::variable<"mu"> mu{0.5};
  const std::vector<double> y{1.0, 2.0, 4.0};
#ifdef TT_CONTROL
  auto loss = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::square(tt::at(y, i) - mu); });
#else
  auto loss = tt::square(y[0] - mu);
  for (std::size_t i = 1; i < y.size(); ++i) loss = loss + tt::square(y[i] - mu);
#endif
  return tt::gradient(loss, mu) == -11.0 ? 0 : 1;
}
