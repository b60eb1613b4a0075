// Exercise 15: writing the gradient into your own variables
//
// tt::gradient returns a new tuple each time. In a loop you may prefer to keep the
// gradient in variables of your own: tt::gradient_into(loss, std::tie(a, b),
// std::tie(ga, gb)) writes d loss/da into ga and d loss/db into gb. The places come as one
// tuple, one place per source, in the sources' order, each of the source's value type
// (double for a scalar variable, its tensor type for a tensor one).
//
// The program runs 50 steps of gradient descent with step 0.1 on
// loss = (a - 3)^2 + (b + 1)^2, from a = b = 0.
//
// TODO: pass the places the way gradient_into takes them.
//
// shipped: TT-E16
// expect: a = 2.999957183, b = -0.9999857275
// hint: The places are one argument: std::tie(ga, gb), as the sources are std::tie(a, b).
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"a"> a{0.0};
  tt::variable<"b"> b{0.0};
  auto loss = tt::square(a - 3.0) + tt::square(b + 1.0);
  double ga = 0.0, gb = 0.0;
  for (int step = 0; step < 50; ++step) {
    // TODO: pass the places the way gradient_into takes them
    tt::gradient_into(loss, std::tie(a, b), ga, gb);
    a -= 0.1 * ga;
    b -= 0.1 * gb;
  }
  std::printf("a = %.10g, b = %.10g\n", a.get(), b.get());
}
