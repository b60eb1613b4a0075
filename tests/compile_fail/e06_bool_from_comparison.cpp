// expect: TT-E06
// kind: data-dependent branch
// name: x
// seed 002, stored first: `cond = x > 1` then `if cond:`. A recorded comparison
// kept in a bool would freeze the branch taken at recording time.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  const bool above = x.get() > 1.0;  // a plain-number decision, made knowingly
#else
  const bool above = x > 1.0;
#endif
  auto y = tt::where(x > 1.0, x * x, x);
  return above && tt::gradient(y, x) == 4.0 ? 0 : 1;
}
