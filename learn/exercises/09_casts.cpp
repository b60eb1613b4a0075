// Exercise 09: casts that detach
//
// Some operations pass a value and no gradient: a cast to an integer or bool type
// (tt::cast<int>), .value() (which takes the number out, like TensorFlow's .numpy()), and
// the piecewise-constant round, floor, ceil, trunc and sign. Casts to float or double are
// differentiable. If a source reaches the target only through such an operation,
// TensorFlow returns None, and typetape does not compile; the message says which kind of
// operation cut the path.
//
// This is seed 004's mistake: the model's output is cast to int32 and back to float32
// before the loss, which cuts the gradient to the weight.
//
// TODO: compute the loss in float without the integer round trip.
//
// shipped: TT-E02
// expect: dloss/dw = 1.423155525
// hint: tt::cast<float>(output) alone is differentiable.
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"w"> w{0.3};
  auto output = tt::tanh(2.0 * w);
  auto loss = tt::cast<float>(tt::cast<int>(output));  // TODO: no integer round trip
  std::printf("dloss/dw = %.10g\n", static_cast<double>(tt::gradient(loss, w)));
}
