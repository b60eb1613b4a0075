// expect: TT-E15
// kind: of its source's value type
// A tt::gradient_plan's into() checks its places as tt::gradient_into does: a float place for
// a double variable, in a training loop, is the same error.
#include <cmath>
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  auto plan = tt::plan_gradient(x * y, std::tie(x, y));
#ifdef TT_CONTROL
  double gx = 0, gy = 0;
#else
  float gx = 0, gy = 0;
#endif
  for (int step = 0; step < 3; ++step) {
    plan.into(std::tie(gx, gy));
    x = x.get() - 0.1 * gx;
  }
  // x: 2 - 0.3 three times = 1.1; the last gradient was taken at x = 1.4: d/dy = 1.4
  return std::abs(x.get() - 1.1) < 1e-12 && gx == 3.0 && std::abs(gy - 1.4) < 1e-12 ? 0 : 1;
}
