// Exercise 04: tapes, and persistent tapes
//
// tt::gradient(y, x) is three steps: record y on a tape, run the tape backwards, release
// it. You can do them yourself: auto t = tt::record(y); then std::move(t).gradient(y, x).
// A tape recorded that way is non-persistent: its gradient() consumes it, so it may be
// asked once (TensorFlow raises a RuntimeError on the second call). The types enforce it:
// gradient() on a non-persistent tape takes only an rvalue, hence the std::move.
// tt::record<tt::persistent>(y) records a tape that can be asked any number of times.
//
// TODO: the program asks one tape for two gradients. Make that legal.
//
// shipped: TT-E04
// expect: df/dx = -4, df/dy = 4
// hint: Record with tt::record<tt::persistent>(f). (Asking once for both,
// hint: std::move(t).gradient(f, std::tie(x, y)), works too.)
//
// Solution: a persistent tape. Analytic: f = x^2 y, df/dx = 2xy = -4, df/dy = x^2 = 4 at
// (x, y) = (2, -1).
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{-1.0};
  auto f = x * x * y;
  const auto t = tt::record<tt::persistent>(f);
  const double gx = t.gradient(f, x);
  const double gy = t.gradient(f, y);
  std::printf("df/dx = %.10g, df/dy = %.10g\n", gx, gy);
}
