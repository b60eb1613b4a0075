// expect: TT-E03
// kind: is itself a tuple
// Sources grouped in a tuple inside the tuple of sources (it was told to use tt::let).
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"a"> a{1.0};
  tt::variable<"b"> b{2.0};
  tt::variable<"c"> c{3.0};
  auto y = a * b * c;
  auto bc = std::tie(b, c);
#ifdef TT_CONTROL
  auto [ga, gb, gc] = tt::gradient(y, std::tuple_cat(std::tie(a), bc));
  return ga == 6.0 && gb == 3.0 && gc == 2.0 ? 0 : 1;
#else
  auto [ga, gbc] = tt::gradient(y, std::tie(a, bc));
  return ga == 6.0 ? 0 : 1;
#endif
}
