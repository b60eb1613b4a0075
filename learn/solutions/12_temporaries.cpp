// Exercise 12: variables are held by reference
//
// An expression does not copy the variables it uses: it refers to them, so that a later
// assignment to a variable is seen by the next recording, and so that a variable's
// identity is its name. An expression built from a temporary tt::variable would refer to
// an object destroyed at the end of the statement, so that does not compile.
//
// TODO: declare the scale s as a variable of its own, and print both derivatives.
//
// shipped: TT-E09
// expect: dy/dx = 3, dy/ds = 2
// hint: tt::variable<"s"> s{3.0}; on its own line, then auto y = x * s; and
// hint: tt::gradient(y, std::tie(x, s)).
//
// Solution: a named s. Analytic: y = x s, dy/dx = s = 3, dy/ds = x = 2.
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"s"> s{3.0};
  auto y = x * s;
  const auto [gx, gs] = tt::gradient(y, std::tie(x, s));
  std::printf("dy/dx = %.10g, dy/ds = %.10g\n", gx, gs);
}
