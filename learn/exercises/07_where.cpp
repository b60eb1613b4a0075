// Exercise 07: where, not if
//
// x > 1.0 on a variable is not a bool: it is a recorded comparison, a node of the
// expression. An `if` on it would record only the branch taken at the current value and
// differentiate the other branch wrongly at other points, so converting it to bool does not
// compile. tt::where(cond, a, b) records both branches and sends the gradient into the one
// the condition selects, element by element (TensorFlow's tf.where).
//
// f(x) is x^2 for x > 1 and 2x - 1 otherwise.
//
// TODO: write f once, with tt::where, and take its gradient at both points.
//
// shipped: TT-E06
// expect: df/dx at x = 2: 4, at x = 0.5: 2
// hint: auto f = tt::where(x > 1.0, x * x, 2.0 * x - 1.0); before the loop, then
// hint: g[i] = tt::gradient(f, x); in it. (To branch on the number itself, compare x.get().)
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{0.0};
  const double points[2] = {2.0, 0.5};
  double g[2] = {};
  for (int i = 0; i < 2; ++i) {
    x = points[i];
    if (x > 1.0)  // TODO: one expression, tt::where, instead of this branch
      g[i] = tt::gradient(x * x, x);
    else
      g[i] = tt::gradient(2.0 * x - 1.0, x);
  }
  std::printf("df/dx at x = 2: %.10g, at x = 0.5: %.10g\n", g[0], g[1]);
}
