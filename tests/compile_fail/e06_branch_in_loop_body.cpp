// expect: TT-E06
// kind: data-dependent branch
// A Python-style `if` on a recorded comparison inside a loop body (a hinge loss):
// the same TT-E06 as outside a loop.
#include <typetape/typetape.hpp>
#include <vector>

int main() {
  tt::variable<"w"> w{0.5};
  const std::vector<double> x{1.0, -2.0, 3.0};
  auto hinge = tt::sum_over<"i">(x.size(), [&](auto i) {
    auto margin = 1.0 - w * tt::at(x, i);
#ifdef TT_CONTROL
    return tt::where(margin > 0.0, margin, 0.0 * margin);
#else
    const double active = margin > 0.0 ? 1.0 : 0.0;
    return active * margin;
#endif
  });
  return tt::gradient(hinge, w) == 1.0 ? 0 : 1;
}
