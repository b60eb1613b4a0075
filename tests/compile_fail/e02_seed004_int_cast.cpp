// expect: TT-E02
// kind: a cast to an integer or bool
// name: w
// seed 004: `detached = tf.cast(output, tf.int32); loss = reduce_sum(tf.cast(detached, tf.float32))`
// gives None for the cell's weights.
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"w"> w{0.7};
  auto output = tt::tanh(w * 2.0);
#ifdef TT_CONTROL
  auto loss = tt::cast<float>(output);
#else
  auto loss = tt::cast<float>(tt::cast<int>(output));
#endif
  return tt::gradient(loss, w) > 0.0 ? 0 : 1;
}
