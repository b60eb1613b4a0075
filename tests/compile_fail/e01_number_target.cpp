// expect: TT-E01
// kind: the target is a plain number
// name: x
// A loss computed from plain numbers (x.get()) is not an expression of x: like a
// value computed outside TensorFlow's tape, it has no gradient.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
#ifdef TT_CONTROL
  auto loss = x * 3.0;
#else
  double loss = x.get() * 3.0;
#endif
  return tt::gradient(loss, x) == 3.0 ? 0 : 1;
}
