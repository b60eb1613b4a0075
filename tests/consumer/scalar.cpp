// A program that uses an installed typetape the way a user's would (tests/consumer/):
// the gradient of f(x, y) = x^2 y + sin(x y), checked against its analytic derivative.
// Exits 1 on a mismatch. Built from outside the tree by scripts/lib/consumer_test.sh.
#include <cmath>
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>
#include <typetape/version.hpp>

int main() {
  tt::variable<"x"> x{1.25};
  tt::variable<"y"> y{-0.75};
  auto f = tt::square(x) * y + tt::sin(x * y);
  const auto [dx, dy] = tt::gradient(f, std::tie(x, y));
  const double xv = 1.25, yv = -0.75;
  const double want_dx = 2.0 * xv * yv + yv * std::cos(xv * yv);
  const double want_dy = xv * xv + xv * std::cos(xv * yv);
  const bool ok = std::abs(dx - want_dx) <= 1e-12 && std::abs(dy - want_dy) <= 1e-12;
  std::printf("typetape %s: df/dx %.15g (analytic %.15g), df/dy %.15g (analytic %.15g): %s\n",
              TYPETAPE_VERSION_STRING, dx, want_dx, dy, want_dy, ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
