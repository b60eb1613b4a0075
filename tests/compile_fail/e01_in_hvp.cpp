// expect: TT-E01
// kind: does not use this source
// name: x
// A Hessian-vector product w.r.t. a source the target does not use: tt::hvp checks the
// gradient first, and its own frame is the only one between the error and the call.
#include <typetape/nn.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
#ifdef TT_CONTROL
  auto f = x * x * y;
#else
  auto f = y * y * y;
#endif
  // d2f/dx2 = 2y = 6, times the direction 1
  return tt::hvp(f, x, 1.0) == 6.0 ? 0 : 1;
}
