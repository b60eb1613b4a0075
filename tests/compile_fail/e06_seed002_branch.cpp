// expect: TT-E06
// kind: data-dependent branch
// name: x
// seed 002: `if x > 1: y = x * x else: y = x` records only the branch taken.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  auto y = tt::where(x > 1.0, x * x, x);
  return tt::gradient(y, x) == 4.0 ? 0 : 1;
#else
  if (x > 1.0) return tt::gradient(x * x, x) == 4.0 ? 0 : 1;
  return 1;
#endif
}
