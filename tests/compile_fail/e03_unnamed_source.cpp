// expect: TT-E03
// kind: unnamed expression
// name: x
// An intermediate must be named with let<> to be differentiated against.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  auto h = tt::let<"h">(x * 3.0);
#else
  auto h = x * 3.0;
#endif
  auto y = h * h;
  return tt::gradient(y, h) == 12.0 ? 0 : 1;
}
