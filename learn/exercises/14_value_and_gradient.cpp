// Exercise 14: the value with the gradient
//
// An expression is a recorded computation, not a number, so it does not convert to a
// double. tt::eval(e) computes its value. When you need both the value and the gradient
// (a training loop logs its loss), tt::value_and_gradient(e, sources) gives both from one
// forward pass, as jax.value_and_grad: auto [value, gradient] = ...; the gradient has
// the structure tt::gradient would return.
//
// TODO: get the loss's value and its gradient from one call.
//
// shipped: TT-E14
// expect: loss = 1.5, dloss/da = 5, dloss/db = 2
// hint: const auto [value, g] = tt::value_and_gradient(loss, std::tie(a, b)); then
// hint: const auto [ga, gb] = g;
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"a"> a{1.0};
  tt::variable<"b"> b{2.0};
  auto loss = tt::square(a * b - 1.0) + 0.5 * tt::square(a);
  const double value = loss;  // TODO: the value and the gradient from one call
  const auto [ga, gb] = tt::gradient(loss, std::tie(a, b));
  std::printf("loss = %.10g, dloss/da = %.10g, dloss/db = %.10g\n", value, ga, gb);
}
