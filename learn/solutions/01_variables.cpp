// Exercise 01: variables and gradients
//
// A tt::variable<"x"> is a named number that gradients can be taken with respect to.
// Arithmetic on variables computes nothing yet: x * x is an expression, a description of
// the computation, whose C++ type is the whole formula. tt::gradient(y, x) records the
// expression y on a tape, runs the tape backwards, and returns dy/dx as a double.
//
// The program below computes y from x.get(), the plain number inside x. That y is an
// ordinary double: it does not remember that it came from x, so there is nothing to
// differentiate.
//
// TODO: build y from the variable x itself, so that tt::gradient can differentiate it.
//
// shipped: TT-E01
// expect: dy/dx = 6
// hint: Write `auto y = x * x;`. Use `auto`: the type of an expression is its formula, and you
// hint: cannot spell it. tt::eval(y) gives its value if you want to print it.
//
// Solution: y = x * x is an expression of x. Analytic: y = x^2, dy/dx = 2x = 6 at x = 3.
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{3.0};
  auto y = x * x;
  const double dy_dx = tt::gradient(y, x);
  std::printf("dy/dx = %.10g\n", dy_dx);
}
