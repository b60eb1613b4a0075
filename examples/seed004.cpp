// Seed 004, "Why does tf2.0's GradientTape return None for gradients in an RNN model?"
// (shared/seeds/004_86b2c99834fe62cd.txt), with real tensors: its three TensorFlow
// snippets, their typetape translations, and the gradients they give. Where the seed
// claims TensorFlow returns None but it does not (shared/seed-notes.md), typetape gives
// the number TensorFlow gives; where TensorFlow really returns None, the typetape code
// does not compile (scripts/demo shows the errors):
//   - tf.cast(output, tf.int32) then back to float: TT-E02
//     (tests/compile_fail/e02_seed004_tensor_cast.cpp);
//   - a custom layer whose variable is not among its trainable variables: TT-E08
//     (tests/compile_fail/e08_seed004_unlisted_variable.cpp).
// Each gradient printed is checked against central finite differences of the loss.
#include <cmath>
#include <cstdio>
#include <typetape/nn.hpp>

#include "fd_check.hpp"
#include <xtensor/xview.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;

namespace {

using example::failures;

template <class T>
T pseudo_normal(std::initializer_list<std::size_t> shape,
                double phase) {  // deterministic "tf.random.normal"
  T t = T::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = std::sin(1.3 * double(i) + phase) * 1.2;
  return t;
}

double l2(const auto& t) {
  double s = 0;
  for (double x : t) s += x * x;
  return std::sqrt(s);
}

}  // namespace

int main() {
  // TF: rnn_cell = tf.keras.layers.SimpleRNNCell(units=32)
  //     dummy_input = tf.random.normal((1, 10, 100))   # batch 1, 10 steps, 100 inputs
  tt::nn::rnn_cell<"rnn_cell"> rnn_cell{100, 32};
  const T3 dummy_input =
      pseudo_normal<T3>({10, 1, 100}, 0.0);  // typetape: time first, [T, batch, in]

  std::puts("seed 004, snippet 2: the initial state is a numpy array, not a variable");
  // TF: dummy_state = np.zeros((1, 32))
  //     with tf.GradientTape() as tape:
  //         state_tensor = tf.constant(dummy_state)
  //         output, next_state = rnn_cell(dummy_input[:, 0, :], state_tensor)
  //         loss = tf.reduce_sum(output)
  //     gradients = tape.gradient(loss, rnn_cell.trainable_variables)
  // The seed says: None. TensorFlow really: a gradient for every weight (the state being a
  // constant matters only for a gradient w.r.t. the state). Here too:
  const T2 dummy_state = xt::zeros<double>({1, 32});
  const T2 x0 = xt::view(dummy_input, 0, xt::all(), xt::all());
  auto loss = tt::sum(rnn_cell(dummy_state, x0));
  auto [gw, gu, gb] = tt::gradient(loss, rnn_cell.params());
  std::printf(
      "  dloss/dW: %zux%zu, norm %.6f; dloss/dU: norm %.1f (zero: U multiplies the zero state); "
      "dloss/db: norm %.6f\n",
      gw.shape()[0], gw.shape()[1], l2(gw), l2(gu), l2(gb));
  example::check_fd("dloss/dW", loss, rnn_cell.W, gw, 37);
  example::check_fd("dloss/db", loss, rnn_cell.b, gb, 17);
  failures += l2(gu) != 0.0;

  std::puts("the same cell over all 10 steps (tt::scan), from the same numpy state");
  auto loss10 = tt::sum(tt::scan<"seq">(rnn_cell, dummy_state, dummy_input));
  auto [gw10, gu10, gb10] = tt::gradient(loss10, rnn_cell.params());
  std::printf("  dloss/dW norm %.6f, dloss/dU norm %.6f, dloss/db norm %.6f\n", l2(gw10), l2(gu10),
              l2(gb10));
  example::check_fd("dloss/dU (through 9 earlier steps)", loss10, rnn_cell.U, gu10, 40);
  example::check_fd("dloss/dW", loss10, rnn_cell.W, gw10, 321);

  std::puts("seed 004, snippet 3: a custom layer with its variables made in __init__");
  // TF: class MyCustomLayer(tf.keras.layers.Layer):
  //         def __init__(self, units): self.W = tf.Variable(tf.random.normal((100, units)))
  //                                    self.b = tf.Variable(tf.zeros(units))
  //         def call(self, inputs): return tf.matmul(inputs, self.W) + self.b
  // typetape: the variables are members and params() lists them; forward() and params()
  // are checked against each other when the layer is called (TT-E08).
  struct my_custom_layer : tt::nn::layer<my_custom_layer> {
    tt::variable<"W", T2> W{pseudo_normal<T2>({100, 32}, 0.5)};
    tt::variable<"b", T1> b{xt::zeros<double>({32})};
    auto params() { return std::tie(W, b); }
    auto forward(const T2& inputs) const { return tt::matmul(inputs, W) + b; }
  };
  my_custom_layer custom_layer;
  const T2 input = pseudo_normal<T2>({1, 100}, 2.0);
  auto [cw, cb] = tt::gradient(tt::sum(custom_layer(input)), custom_layer.params());
  // d sum(x W + b) / dW[i][j] = x[i]; / db[j] = 1
  bool exact = true;
  for (std::size_t i = 0; i < 100; ++i)
    for (std::size_t j = 0; j < 32; ++j) exact = exact && cw(i, j) == input(0, i);
  for (double g : cb) exact = exact && g == 1.0;
  failures += !exact;
  std::printf("  dloss/dW[i][j] = input[i] and dloss/db = 1 everywhere: %s\n",
              exact ? "yes" : "NO");

  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
