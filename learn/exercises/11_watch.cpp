// Exercise 11: watching a constant
//
// Plain numbers and tt::constant values are constants: the tape does not follow them, and
// they cannot be sources (TensorFlow: an unwatched tf.constant gives None).
// tt::watch<"c">(c) makes a constant a named source, like tape.watch(c); use the watched
// object both in the target and as the source.
//
// TODO: the program asks for dy/dc with c an unwatched constant. Watch it.
//
// shipped: TT-E03
// expect: dy/dx = 9, dy/dc = 12
// hint: auto cw = tt::watch<"c">(c); then build y from cw and pass cw as the source.
#include <cstdio>
#include <tuple>
#include <typetape/typetape.hpp>

int main() {
  const tt::constant<double> c{3.0};
  tt::variable<"x"> x{2.0};
  auto y = c * c * x;
  const auto [gx, gc] = tt::gradient(y, std::tie(x, c));  // TODO: watch c
  std::printf("dy/dx = %.10g, dy/dc = %.10g\n", gx, gc);
}
