// expect: TT-E04
// kind: needs an rvalue
// name: x
// seed 000: one tape object reused across loop iterations. A tape is a value
// made per recording; the fix is to record inside the loop.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{1.0};
  auto loss = 3.0 * x;
  double sum = 0;
#ifdef TT_CONTROL
  for (int i = 0; i < 3; ++i) sum += tt::record(loss).gradient(loss, x);
#else
  auto t = tt::record(loss);
  for (int i = 0; i < 3; ++i) sum += t.gradient(loss, x);
#endif
  return sum == 9.0 ? 0 : 1;
}
