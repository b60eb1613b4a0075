// expect: TT-E15
// kind: of its source's value type
// tt::gradient_into into a float for a double variable: the gradient would be rounded on
// the way, so the place must have the source's own value type.
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
#ifdef TT_CONTROL
  double gx = 0, gy = 0;
#else
  float gx = 0, gy = 0;
#endif
  tt::gradient_into(x * y, std::tie(x, y), std::tie(gx, gy));
  return gx == 3.0 && gy == 2.0 ? 0 : 1;
}
