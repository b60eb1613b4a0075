// Exercise 17: second derivatives
//
// tt::hessian(f, std::tie(x, y)) returns the matrix of second derivatives, H[i][j] =
// d2f / dx_i dx_j. tt::hvp(f, sources, v) returns the Hessian-vector product H v without
// building H (forward mode over reverse mode); v has one component per source, given as a
// std::tuple. Both work on scalar expressions.
//
// TODO: the direction v is (1, 1), but the program passes one component for two sources.
//
// shipped: TT-E16
// expect: d2f/dx2 = 12, d2f/dxdy = 3, Hv = (15, 2.090702573)
// hint: std::tuple(1.0, 1.0): one tangent per source, in the sources' order.
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{1.0};
  tt::variable<"y"> y{2.0};
  auto f = x * x * x * y + tt::sin(y);
  const auto H = tt::hessian(f, std::tie(x, y));
  const auto [hx, hy] = tt::hvp(f, std::tie(x, y), std::tuple(1.0));  // TODO: v = (1, 1)
  std::printf("d2f/dx2 = %.10g, d2f/dxdy = %.10g, Hv = (%.10g, %.10g)\n", H[0][0], H[0][1], hx, hy);
}
