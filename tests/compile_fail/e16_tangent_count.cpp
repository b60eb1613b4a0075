// expect: TT-E16
// kind: one tangent per source
// tt::jvp with two sources and one tangent.
#include <typetape/typetape.hpp>
#include <tuple>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
#ifdef TT_CONTROL
  const auto [v, t] = tt::jvp(x * y, std::tie(x, y), std::tuple(1.0, 0.0));
#else
  const auto [v, t] = tt::jvp(x * y, std::tie(x, y), std::tuple(1.0));
#endif
  return v == 6.0 && t == 3.0 ? 0 : 1;
}
