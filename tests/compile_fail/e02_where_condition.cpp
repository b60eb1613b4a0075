// expect: TT-E02
// kind: only through a comparison
// name: x
// A source used only in the condition of where() has no gradient.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{5.0};
#ifdef TT_CONTROL
  auto z = tt::where(x > 1.0, y * x, y);
#else
  auto z = tt::where(x > 1.0, y * 2.0, y);
#endif
  return tt::gradient(z, x) == 5.0 ? 0 : 1;
}
