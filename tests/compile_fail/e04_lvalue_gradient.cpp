// expect: TT-E04
// kind: needs an rvalue
// name: x
// seed 001: two gradient() calls on a non-persistent tape (TensorFlow: RuntimeError).
#include <typetape/typetape.hpp>
#include <utility>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record(y);
#ifdef TT_CONTROL
  double dy_dx = std::move(t).gradient(y, x);
#else
  double dy_dx = t.gradient(y, x);
#endif
  return dy_dx == 4.0 ? 0 : 1;
}
