// Two translation units use the whole library; a non-inline definition in a
// header would be a multiple-definition link error.
#include <typetape/typetape.hpp>

double odr_b();

double odr_a() {
  tt::variable<"x"> x{2.0};
  return tt::gradient(tt::sin(x) * x, x);
}

int main() {
  const double a = odr_a(), b = odr_b();
  return (a == b && a != 0.0) ? 0 : 1;
}
