// Exercise 06: a tape keeps the values it recorded
//
// A recording stores the values the variables had at that moment, as TensorFlow's tape
// does. Assigning to a variable afterwards changes later recordings only: a tape recorded
// before the assignment still answers with the old values. This program compiles, and
// prints a wrong result.
//
// It runs three steps of gradient descent, w <- w - 0.25 * dloss/dw, on
// loss = (w - 3)^2 from w = 0. The tape is recorded once, before the loop, so every step
// uses the gradient at w = 0.
//
// TODO: take each step's gradient at the current w.
//
// shipped: wrong value
// expect: w after 3 steps = 2.625
// hint: Record inside the loop: tt::gradient(loss, w) records afresh each time it is called.
//
// Solution: tt::gradient(loss, w) in the loop. Analytic: dloss/dw = 2(w - 3), so a step
// maps w - 3 to (w - 3)(1 - 0.5): after 3 steps w - 3 = -3 / 8, w = 2.625. (The shipped
// program adds 0.25 * 6 three times: 4.5.)
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"w"> w{0.0};
  auto loss = tt::square(w - 3.0);
  for (int step = 0; step < 3; ++step) {
    const double g = tt::gradient(loss, w);
    w -= 0.25 * g;
  }
  std::printf("w after 3 steps = %.10g\n", w.get());
}
