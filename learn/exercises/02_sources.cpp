// Exercise 02: several sources
//
// A gradient can be taken with respect to several variables at once: pass them as
// std::tie(x, y, z), and tt::gradient returns a std::tuple with one derivative per source,
// in the same order (unpack it with a structured binding).
//
// Every source must appear in the target. A source the target never uses has no gradient;
// TensorFlow returns None for it, and typetape refuses to compile, naming the variable.
//
// TODO: f should be x*y + y*z, but the program computes something else. Read the note under
// the error (it names the variable), find the typo and fix the formula.
//
// shipped: TT-E01
// expect: df/dx = 2, df/dy = 4, df/dz = 2
// hint: The note says tt::name<'z'>: z is a source, but f does not use z. One of the factors
// hint: in f is the wrong variable.
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{1.0};
  tt::variable<"y"> y{2.0};
  tt::variable<"z"> z{3.0};
  auto f = x * y + y * y;  // TODO: f = x*y + y*z
  const auto [gx, gy, gz] = tt::gradient(f, std::tie(x, y, z));
  std::printf("df/dx = %.10g, df/dy = %.10g, df/dz = %.10g\n", gx, gy, gz);
}
