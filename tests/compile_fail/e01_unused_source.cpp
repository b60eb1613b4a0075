// expect: TT-E01
// kind: does not use this source
// name: x
// A source the target never uses (TensorFlow: tape.gradient(z, x) is None).
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  auto z = y * y;
#ifdef TT_CONTROL
  double g = tt::gradient(z, y) + x.get() - 2.0;
#else
  double g = tt::gradient(z, x);
#endif
  return g == 6.0 ? 0 : 1;
}
