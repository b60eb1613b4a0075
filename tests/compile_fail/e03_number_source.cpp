// expect: TT-E03
// kind: is a plain number
// A plain double passed as a source: nothing in the target refers to it (it was
// misreported as a tt::constant).
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  tt::variable<"scale"> scale{3.0};
#else
  double scale = 3.0;
#endif
  auto y = x * scale;
  auto [gx, gs] = tt::gradient(y, std::tie(x, scale));
  return gx == 3.0 && gs == 2.0 ? 0 : 1;
}
