// Exercise 13: one name, one thing
//
// typetape tells variables and lets apart by their names, which are part of their types.
// Two different things with one name in one expression would have their gradients mixed
// up, so a recording checks that every name is used by one thing only.
//
// TODO: the second let was copied from the first and kept its name. Rename it "g".
//
// shipped: TT-E10
// expect: dy/dx = 10, dy/dh = 3, dy/dg = 4
// hint: auto h2 = tt::let<"g">(x + 1.0);
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  auto h1 = tt::let<"h">(x * 2.0);
  auto h2 = tt::let<"h">(x + 1.0);  // TODO: its own name, "g"
  auto y = h1 * h2;
  const auto [gx, gh, gg] = tt::gradient(y, std::tie(x, h1, h2));
  std::printf("dy/dx = %.10g, dy/dh = %.10g, dy/dg = %.10g\n", gx, gh, gg);
}
