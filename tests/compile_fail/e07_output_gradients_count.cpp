// expect: TT-E07
// kind: exactly one weight per target
// name: x
// tt::output_gradients needs one weight per target.
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  auto y1 = x * x;
  auto y2 = 3.0 * x;
#ifdef TT_CONTROL
  double g = tt::gradient(std::tie(y1, y2), x, tt::output_gradients(1.0, 2.0));
#else
  double g = tt::gradient(std::tie(y1, y2), x, tt::output_gradients(1.0));
#endif
  return g == 10.0 ? 0 : 1;
}
