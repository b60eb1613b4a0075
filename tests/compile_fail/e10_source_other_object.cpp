// expect: TT-E10
// kind: under this source's name
// name: x
// The source must be the object the target uses: here a float variable named "x"
// is passed while the target uses the double one (its gradient would be taken).
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
#ifdef TT_CONTROL
  return tt::gradient(y, x) == 4.0 ? 0 : 1;
#else
  tt::variable<"x", float> other{2.0f};
  return tt::gradient(y, other) == 4.0f ? 0 : 1;
#endif
}
