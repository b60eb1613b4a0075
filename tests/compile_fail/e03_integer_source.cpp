// expect: TT-E03
// kind: integer or bool value type
// name: n
// TensorFlow: the gradient w.r.t. an integer variable is None.
#include <typetape/typetape.hpp>

int main() {
#ifdef TT_CONTROL
  tt::variable<"n", double> n{3};
#else
  tt::variable<"n", int> n{3};
#endif
  tt::variable<"x"> x{2.0};
  auto y = x * n;
  return tt::gradient(y, n) == 2.0 ? 0 : 1;
}
