// expect: TT-E02
// kind: only through .value()
// name: conv
// seed 003: `manipulated = convOutputs.numpy(); loss = reduce_mean(square(manipulated))`
// then tape.gradient(loss, convOutputs) is None. Here .value() takes the number out.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"w"> w{0.5};
  const double input = 3.0;
  auto conv = tt::let<"conv">(w * input);
#ifdef TT_CONTROL
  auto loss = tt::square(conv);
#else
  auto loss = tt::square(conv.value());
#endif
  return tt::gradient(loss, conv) == 3.0 ? 0 : 1;
}
