// expect: TT-E05
// kind: not recorded on this tape
// name: x
// seed 001: `z = y * y` computed after tape2's block, then tape2.gradient(z, x) is None.
#include <typetape/typetape.hpp>
#include <utility>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;
  auto a = y + 5.0;
  auto tape2 = tt::record<tt::persistent>(a);
  auto z = y * y;
#ifdef TT_CONTROL
  return tape2.gradient(a, x) == 3.0 && tt::eval(z) == 36.0 ? 0 : 1;
#else
  return tape2.gradient(z, x) == 36.0 ? 0 : 1;
#endif
}
