// Exercise 10: when a zero is what you mean
//
// A source that does not reach the target (TT-E01), or reaches it only through detaching
// operations (TT-E02), is a compile error, because it is usually a mistake. Sometimes it is
// not: generic code takes the gradient of several losses with respect to one list of
// parameters, and a loss that ignores one parameter should give it a zero. Say so per call
// with tt::unconnected::zero (TensorFlow's unconnected_gradients=ZERO).
//
// TODO: loss2 does not use b, and that is intended. Ask for a zero gradient for b.
//
// shipped: TT-E01
// expect: dloss1 = (5, 2), dloss2 = (4, 0)
// hint: Pass tt::unconnected::zero as the third argument: tt::gradient(loss2, std::tie(a, b),
// hint: tt::unconnected::zero).
//
// Solution: tt::unconnected::zero. Analytic at (a, b) = (2, 5): loss1 = ab, gradient (b, a)
// = (5, 2); loss2 = a^2, gradient (2a, 0) = (4, 0).
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"a"> a{2.0};
  tt::variable<"b"> b{5.0};
  auto loss1 = a * b;
  auto loss2 = a * a;
  const auto [g1a, g1b] = tt::gradient(loss1, std::tie(a, b));
  const auto [g2a, g2b] = tt::gradient(loss2, std::tie(a, b), tt::unconnected::zero);
  std::printf("dloss1 = (%.10g, %.10g), dloss2 = (%.10g, %.10g)\n", g1a, g1b, g2a, g2b);
}
