// expect: TT-E01
// kind: does not use this source
// name: x
// The misuse one level down: a helper template that takes the tape by forwarding reference
// and asks it for a gradient the target does not have (TensorFlow: None). The library's own
// frames cost no line: the diagnostics sit in the function the helper calls.
#include <typetape/nn.hpp>

#include <utility>

template <class Tape, class Target, class Source>
double slope(Tape&& tape, const Target& target, const Source& source) {
  return std::forward<Tape>(tape).gradient(target, source);
}

int main() {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  auto z = y * y;
#ifdef TT_CONTROL
  double g = slope(tt::record(z), z, y) + x.get() - 2.0;
#else
  double g = slope(tt::record(z), z, x);
#endif
  return g == 6.0 ? 0 : 1;
}
