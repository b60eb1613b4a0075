// Seed 003, "Why is TensorFlow's GradientTape returning None when calculating gradients
// from loss and convOutputs?" (shared/seeds/003_3fb5e8692ecd6ba1.txt), with real
// tensors: its three TensorFlow snippets (conv2d, NHWC input [1, 28, 28, 3], HWCF filter
// [3, 3, 3, 10], SAME padding), their typetape translations, and the gradients they give.
//
// What really gives None or a RuntimeError in TensorFlow (shared/seed-notes.md), and
// what typetape says instead:
//   - snippet 1, gradient(loss, convOutputs) with a constant input: NOT None (the seed
//     says None): an intermediate computed on the tape is differentiable. Here it is
//     named with let<"convOutputs">. But the snippet's second gradient() on the same
//     non-persistent tape raises RuntimeError: TT-E04
//     (tests/compile_fail/e04_lvalue_gradient.cpp, e04_second_use_consumed.cpp on clang).
//   - snippet 3, `.numpy()` inside the tape, loss from the numpy array: None (true).
//     TT-E02, a loss of the value taken out with .value()
//     (tests/compile_fail/e02_seed003_conv_numpy.cpp; with scalars, e02_seed003_numpy.cpp).
// d loss / d convOutputs = 2 c / size(c) for loss = mean(c^2); the filter's and the
// input's gradients are checked against central finite differences of the loss.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <typetape/tensor.hpp>

#include "fd_check.hpp"
#include <utility>

using T4 = xt::xtensor<double, 4>;

namespace {

using example::failures;

T4 pseudo_normal(std::initializer_list<std::size_t> shape, double phase) {  // for tf.random.normal
  T4 t = T4::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 1.1 * std::cos(2.1 * double(i) + phase);
  return t;
}

/// d mean(c^2) / dc must be 2 c / size(c), element by element.
void check_conv_gradient(const char* what, const T4& g, const T4& c) {
  double worst = 0;
  for (std::size_t i = 0; i < c.size(); ++i)
    worst = std::max(worst, std::abs(g.data()[i] - 2 * c.data()[i] / double(c.size())));
  const bool ok = g.shape() == c.shape() && worst <= 1e-13;
  failures += !ok;
  std::printf("  %-40s element    0: %11.8f   (2 c / size: %11.8f; all %zu within %.0e)%s\n", what,
              g.data()[0], 2 * c.data()[0] / double(c.size()), c.size(), worst,
              ok ? "" : "  MISMATCH");
}

}  // namespace

int main() {
  const tt::conv2d_options same{.pad = tt::padding::same};  // strides=[1, 1, 1, 1], padding='SAME'

  std::puts("seed 003, snippet 1: conv2d of a constant input");
  // TF: input_data = tf.constant(np.random.rand(1, 28, 28, 3))
  //     conv_filter = tf.Variable(tf.random.normal((3, 3, 3, 10)))
  //     with tf.GradientTape() as tape:
  //         convOutputs = tf.nn.conv2d(input_data, conv_filter, [1, 1, 1, 1], 'SAME')
  //         loss = tf.reduce_mean(tf.square(convOutputs))
  //     grads = tape.gradient(loss, convOutputs)          # the seed: None; really a tensor
  //     grads_filter = tape.gradient(loss, conv_filter)   # really: RuntimeError (2nd call)
  // typetape: name the intermediate, and ask for both gradients in the one call a
  // non-persistent tape allows (a second call is TT-E04).
  const T4 input_data = pseudo_normal({1, 28, 28, 3}, 0.0);
  tt::variable<"conv_filter", T4> conv_filter{pseudo_normal({3, 3, 3, 10}, 0.5)};
  auto convOutputs = tt::let<"convOutputs">(tt::conv2d(input_data, conv_filter, same));
  auto loss = tt::mean(tt::square(convOutputs));
  const auto [grads, grads_filter] = tt::gradient(loss, std::tie(convOutputs, conv_filter));
  check_conv_gradient("d loss / d convOutputs", grads, tt::eval(convOutputs));
  example::check_fd("d loss / d conv_filter", loss, conv_filter, grads_filter, 0);
  example::check_fd("d loss / d conv_filter", loss, conv_filter, grads_filter, 149);

  std::puts("seed 003, snippet 2: the input a variable too");
  // TF: input_data = tf.Variable(tf.random.normal((1, 28, 28, 3)))
  //     ... the same tape, loss and two gradient() calls (the second: RuntimeError again)
  // typetape: a persistent tape, asked three times (the input's gradient too).
  tt::variable<"input_data", T4> input_var{pseudo_normal({1, 28, 28, 3}, 1.0)};
  auto convOutputs2 = tt::let<"convOutputs">(tt::conv2d(input_var, conv_filter, same));
  auto loss2 = tt::mean(tt::square(convOutputs2));
  T4 grads2, grads_filter2, grads_input;
  {
    const auto tape = tt::record<tt::persistent>(loss2);
    grads2 = tape.gradient(loss2, convOutputs2);
    grads_filter2 = tape.gradient(loss2, conv_filter);
    grads_input = tape.gradient(loss2, input_var);
  }  // `del tape`; the variables may change now (finite differences assign to them)
  check_conv_gradient("d loss / d convOutputs", grads2, tt::eval(convOutputs2));
  example::check_fd("d loss / d conv_filter", loss2, conv_filter, grads_filter2, 7);
  example::check_fd("d loss / d input_data (a corner)", loss2, input_var, grads_input, 0);
  example::check_fd("d loss / d input_data (inside)", loss2, input_var, grads_input, 1234);

  std::puts("seed 003, snippet 3: convOutputs.numpy() inside the tape");
  // TF: with tf.GradientTape() as tape:
  //         convOutputs = tf.nn.conv2d(input_data, conv_filter, [1, 1, 1, 1], 'SAME')
  //         manipulated_outputs = convOutputs.numpy()
  //         loss = tf.reduce_mean(tf.square(manipulated_outputs))
  //     grads = tape.gradient(loss, convOutputs)          # None (true)
  // typetape: a loss of convOutputs2.value() does not compile (TT-E02). The numbers can
  // still be taken out to look at; the loss stays an expression of convOutputs.
  const T4 manipulated_outputs = tt::eval(convOutputs2);
  const double numpy_loss = xt::mean(xt::square(manipulated_outputs))();
  const bool same_loss = std::abs(numpy_loss - tt::eval(loss2)) <= 1e-12 * numpy_loss;
  failures += !same_loss;
  std::printf("  %-40s %.8f   (the expression's loss: %.8f)%s\n",
              "loss of the numpy copy, for a look", numpy_loss, tt::eval(loss2),
              same_loss ? "" : "  MISMATCH");
  check_conv_gradient("d loss / d convOutputs (the expression)", tt::gradient(loss2, convOutputs2),
                      manipulated_outputs);

  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
