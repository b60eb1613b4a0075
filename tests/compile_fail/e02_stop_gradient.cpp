// expect: TT-E02
// kind: only through tt::stop_gradient
// name: x
// A source reached only through stop_gradient (TensorFlow: None).
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  auto y = x * 2.0 + tt::stop_gradient(x);  // mixed paths are fine: dy/dx = 2
#else
  auto y = tt::stop_gradient(x) * 2.0;
#endif
  return tt::gradient(y, x) == 2.0 ? 0 : 1;
}
