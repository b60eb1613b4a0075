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
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{1.5};
  auto h = x * x;  // TODO: name it "h"
  auto loss = tt::exp(h) + 3.0 * h;
  const auto [dh, dx] = tt::gradient(loss, std::tie(h, x));
  std::printf("dloss/dh = %.10g, dloss/dx = %.10g\n", dh, dx);
}
