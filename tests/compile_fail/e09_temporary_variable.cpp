// expect: TT-E09
// kind: temporary variable
// name: s
// An expression holds variables by reference; a temporary one would dangle.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  tt::variable<"s"> s{3.0};
  auto y = x * s;
#else
  auto y = x * tt::variable<"s">{3.0};
#endif
  return tt::gradient(y, x) == 3.0 ? 0 : 1;
}
