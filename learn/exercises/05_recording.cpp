// Exercise 05: what a tape recorded
//
// A tape knows only the targets it was given when it was recorded (and the lets inside
// them). An expression built afterwards, even from the same parts, was never recorded on
// it: TensorFlow returns None for it, and typetape does not compile the call.
//
// TODO: the program asks the tape for dz/dx, but z was built after the recording. Record
// both targets.
//
// shipped: TT-E05
// expect: da/dx = 3, dz/dx = 36
// hint: tt::record<tt::persistent>(a, z) records several targets on one tape; build z
// hint: before that line.
#include <cstdio>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;
  auto a = y + 5.0;
  const auto t = tt::record<tt::persistent>(a);  // TODO: record z as well
  auto z = y * y;
  std::printf("da/dx = %.10g, dz/dx = %.10g\n", t.gradient(a, x), t.gradient(z, x));
}
