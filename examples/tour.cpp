// A short tour of typetape's scalar API (<typetape/typetape.hpp>): variables, the
// short-form gradient, tuples of sources, lets, tapes, where(), stop_gradient, explicit
// zeros, weighted tuples of targets, and Hessians and forward mode. Each value is
// printed beside its analytic value; the program exits 1 on a mismatch.
// The seed articles' examples are in seed000.cpp ... seed004.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <typetape/typetape.hpp>
#include <utility>

namespace {

int failures = 0;

void show(const char* what, double got, double analytic) {
  const bool ok = std::abs(got - analytic) <= 1e-12 * std::max(1.0, std::abs(analytic));
  failures += !ok;
  std::printf("  %-52s %11.8f   (analytic %11.8f)%s\n", what, got, analytic,
              ok ? "" : "  MISMATCH");
}

}  // namespace

int main() {
  std::puts("variables and expressions; gradients");
  tt::variable<"x"> x{1.5};  // a named source; its name is part of its type
  tt::variable<"y"> y{-0.5};
  auto f = x * y + tt::sin(x);  // an expression: nothing is computed yet
  show("f = x y + sin x", tt::eval(f), 1.5 * -0.5 + std::sin(1.5));
  show("df/dx (short form: record, then consume)", tt::gradient(f, x), -0.5 + std::cos(1.5));
  const auto [fx, fy] = tt::gradient(f, std::tie(x, y));  // the result mirrors the sources
  show("df/dx, from a tuple of sources", fx, -0.5 + std::cos(1.5));
  show("df/dy, from a tuple of sources", fy, 1.5);

  std::puts("lets and tapes");
  auto h = tt::let<"h">(x * x);  // computed once per recording; a source too
  auto g = tt::exp(h) + 3.0 * h;
  {
    const auto tape = tt::record<tt::persistent>(g);  // any number of gradient() calls
    show("dg/dh, g = exp(h) + 3 h", tape.gradient(g, h), std::exp(2.25) + 3.0);
    show("dg/dx, h = x^2", tape.gradient(g, x), (std::exp(2.25) + 3.0) * 3.0);
  }
  auto once = tt::record(f);  // non-persistent: one set of gradients, then it is used up
  x = 4.0;                    // a later assignment: the tape keeps the values it recorded
  show("df/dx from the tape recorded at x = 1.5", std::move(once).gradient(f, x),
       -0.5 + std::cos(1.5));
  show("df/dx recorded now, at x = 4", tt::gradient(f, x), -0.5 + std::cos(4.0));
  // the value with the gradient, from one forward pass (as jax.value_and_grad)
  const auto [f4, df4] = tt::value_and_gradient(f, x);
  show("f at x = 4, from tt::value_and_gradient", f4, 4.0 * -0.5 + std::sin(4.0));
  show("df/dx at x = 4, from tt::value_and_gradient", df4, -0.5 + std::cos(4.0));

  std::puts("control and detaching");
  auto branch =
      tt::where(x > 2.0, x * x, 5.0 * x);  // both sides recorded; `if (x > 2.0)` is TT-E06
  show("d where(x > 2, x^2, 5 x) / dx at x = 4", tt::gradient(branch, x), 8.0);
  x = 1.5;
  show("d where(x > 2, x^2, 5 x) / dx at x = 1.5", tt::gradient(branch, x), 5.0);
  auto mixed = 2.0 * x + tt::stop_gradient(x * x);  // a live path and a cut one
  show("d (2 x + stop_gradient(x^2)) / dx", tt::gradient(mixed, x), 2.0);
  // A source reached only through cuts is TT-E02; unconnected::zero asks for a zero.
  auto cut = y * tt::stop_gradient(x);
  const auto [cx, cy] = tt::gradient(cut, std::tie(x, y), tt::unconnected::zero);
  show("d (y stop_gradient(x)) / dx, unconnected::zero", cx, 0.0);
  show("d (y stop_gradient(x)) / dy", cy, 1.5);

  std::puts("several targets");
  auto y1 = x * x;
  auto y2 = 3.0 * x;
  // A tuple of targets needs its weights (TT-E07 without): 0.5 dy1/dx - 2 dy2/dx.
  show("0.5 d(x^2)/dx - 2 d(3 x)/dx, output_gradients",
       tt::gradient(std::tie(y1, y2), x, tt::output_gradients(0.5, -2.0)), 0.5 * 3.0 - 6.0);

  std::puts("higher order: Hessian, forward mode");
  const auto H = tt::hessian(f, std::tie(x, y));  // f = x y + sin x
  show("d2f/dx2", H[0][0], -std::sin(1.5));
  show("d2f/dx dy", H[0][1], 1.0);
  show("d2f/dy dx", H[1][0], 1.0);
  show("d2f/dy2", H[1][1], 0.0);
  const auto [value, along] =
      tt::jvp(f, std::tie(x, y), std::tuple(1.0, 2.0));  // f and df . (1, 2)
  show("f, by jvp", value, 1.5 * -0.5 + std::sin(1.5));
  show("df along (1, 2), by jvp", along, (-0.5 + std::cos(1.5)) + 2.0 * 1.5);

  std::printf("%s\n", failures == 0 ? "all values match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
