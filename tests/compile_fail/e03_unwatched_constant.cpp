// expect: TT-E03
// kind: is a tt::constant
// TensorFlow: a tf.constant source gives None unless tape.watch(c).
#include <typetape/typetape.hpp>

int main() {
  const tt::constant<double> c{3.0};
  auto cw = tt::watch<"c">(c);
#ifdef TT_CONTROL
  auto y = cw * cw;
  return tt::gradient(y, cw) == 6.0 ? 0 : 1;
#else
  auto y = c * c;
  return tt::gradient(y, c) == 6.0 ? 0 : 1;
#endif
}
