// expect: TT-E16
// kind: one place per source, as one tuple
// tt::gradient_into with two sources and one place for their gradients.
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  double gx = 0, gy = 0;
#ifdef TT_CONTROL
  tt::gradient_into(x * y, std::tie(x, y), std::tie(gx, gy));
#else
  tt::gradient_into(x * y, std::tie(x, y), std::tie(gx));
#endif
  return gx == 3.0 && gy == 2.0 ? 0 : 1;
}
