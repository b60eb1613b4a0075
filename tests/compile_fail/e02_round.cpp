// expect: TT-E02
// kind: round/floor/ceil
// name: x
// round/floor/ceil have no gradient in TensorFlow (None); here a compile error.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.4};
#ifdef TT_CONTROL
  auto y = tt::round(x) + x;
#else
  auto y = tt::round(x) * 3.0;
#endif
  return tt::gradient(y, x) == 1.0 ? 0 : 1;
}
