// expect: TT-E07
// kind: not a scalar
// name: x
// TensorFlow silently sums a list of targets; typetape asks for the weights.
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  auto y1 = x * x;
  auto y2 = 3.0 * x;
#ifdef TT_CONTROL
  double g = tt::gradient(std::tie(y1, y2), x, tt::output_gradients(1.0, 1.0));
#else
  double g = tt::gradient(std::tie(y1, y2), x);
#endif
  return g == 7.0 ? 0 : 1;
}
