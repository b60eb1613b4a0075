// Exercise 03: naming an intermediate with tt::let
//
// Reverse mode computes the derivative of the target with respect to every node of the
// expression on its way back to the variables. To ask for one of those intermediate
// derivatives, the node needs a name: tt::let<"h">(expr) names expr "h". A let is computed
// once per recording however often it is used, and it can be passed as a source like a
// variable.
//
// TODO: the program wants dloss/dh and dloss/dx, but h is an unnamed expression. Name it.
//
// shipped: TT-E03
// expect: dloss/dh = 12.48773584, dloss/dx = 37.46320751
// hint: auto h = tt::let<"h">(x * x);  the name goes in the angle brackets, in quotes.
//
// Solution: h = tt::let<"h">(x * x). Analytic: loss = exp(h) + 3h, so dloss/dh = exp(h) + 3
// = exp(2.25) + 3 = 12.48773584 at x = 1.5 (h = 2.25); dloss/dx = dloss/dh * dh/dx
// = (exp(2.25) + 3) * 2x = 37.46320751.
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{1.5};
  auto h = tt::let<"h">(x * x);
  auto loss = tt::exp(h) + 3.0 * h;
  const auto [dh, dx] = tt::gradient(loss, std::tie(h, x));
  std::printf("dloss/dh = %.10g, dloss/dx = %.10g\n", dh, dx);
}
