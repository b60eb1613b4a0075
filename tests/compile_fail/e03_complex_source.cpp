// expect: TT-E03
// kind: not a real floating-point type
// name: z
// A complex variable as a source (it was called "integer or bool").
#include <complex>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  tt::variable<"z"> z{1.5};
#else
  tt::variable<"z", std::complex<double>> z{std::complex<double>{1.5, 0.0}};
#endif
  auto [gx, gz] = tt::gradient(x * x, std::tie(x, z), tt::unconnected::zero);
  return gx == 4.0 ? 0 : 1;
}
