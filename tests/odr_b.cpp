#include <typetape/typetape.hpp>

double odr_b() {
  tt::variable<"x"> x{2.0};
  return tt::gradient(tt::sin(x) * x, x);
}
