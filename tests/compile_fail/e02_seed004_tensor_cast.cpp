// expect: TT-E02
// kind: a cast to an integer or bool
// name: W
// link: -lopenblas
// seed 004 with tensors: `detached = tf.cast(output, tf.int32); loss =
// reduce_sum(tf.cast(detached, tf.float32))`: None for the cell's weights.
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"W", T2> W{T2{{0.5, -0.2}, {0.1, 0.3}}};
  const T1 x{1.0, 2.0};
  auto output = tt::tanh(tt::matmul(W, x));
#ifdef TT_CONTROL
  auto loss = tt::sum(tt::cast<float>(output));
#else
  auto loss = tt::sum(tt::cast<float>(tt::cast<int>(output)));
#endif
  const T2 g = tt::gradient(loss, W);
  return g(0, 0) > 0.0 ? 0 : 1;
}
