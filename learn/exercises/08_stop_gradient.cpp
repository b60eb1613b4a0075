// Exercise 08: tt::stop_gradient
//
// tt::stop_gradient(e) has the value of e and no derivative: the backward pass stops
// there. It is how a target value that must not be trained is written, as in this
// temporal-difference update: the prediction w*x1 is pulled towards r + w*x2, and only the
// prediction should move. If every path from a source to the target is cut, the source has
// no gradient at all; TensorFlow returns None, and typetape does not compile.
//
// TODO: the program wraps the whole loss in stop_gradient. Cut only the target value
// r + w*x2, so that the gradient flows through the prediction.
//
// shipped: TT-E02
// expect: dloss/dw = -2
// hint: tt::square(w * x1 - tt::stop_gradient(r + w * x2)). Removing stop_gradient altogether
// hint: compiles too, but then the target moves as well and the gradient is -1.
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"w"> w{0.5};
  const double x1 = 2.0, x2 = 1.0, r = 1.0;
  auto loss = tt::stop_gradient(tt::square(w * x1 - (r + w * x2)));  // TODO: cut the target only
  std::printf("dloss/dw = %.10g\n", tt::gradient(loss, w));
}
