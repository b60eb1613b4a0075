// expect: TT-E10
// kind: share this name
// name: h
// Two different things named "h" in one expression.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  auto h1 = tt::let<"h">(x * 2.0);
#ifdef TT_CONTROL
  auto h2 = tt::let<"g">(x + 1.0);
#else
  auto h2 = tt::let<"h">(x + 1.0);
#endif
  auto y = h1 * h2;
  return tt::gradient(y, x) == 10.0 ? 0 : 1;
}
