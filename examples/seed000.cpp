// Seed 000, "Why is GradientTape returning None in a loop?"
// (shared/seeds/000_c2fdca86baca410a.txt), with real tensors: its three TensorFlow
// snippets, their typetape translations, and the gradients they give.
//
// None of the three gives None in TensorFlow (shared/seed-notes.md): the seed claims
// that re-entering one tape object with `with tape:` gives None after the first
// iteration, but each `with` starts a fresh recording, so every iteration has its
// gradient. typetape has no tape object to re-enter: a tape is a value made from one
// recording. The mistake the seed has in mind, one recording asked for a gradient on
// every iteration (a RuntimeError in TensorFlow when it is not persistent), does not
// compile: TT-E04 (tests/compile_fail/e04_seed000_tape_in_loop.cpp).
//
// loss = reduce_sum(x @ ones([10, 1])) = sum of x, so d loss / d x is ones([1, 10])
// whatever x is: that is the value each printed gradient is checked against.
#include <cmath>
#include <cstdio>
#include <typetape/tensor.hpp>
#include <utility>
#include <vector>

using T2 = xt::xtensor<double, 2>;

namespace {

int failures = 0;

T2 pseudo_normal(double phase) {  // a deterministic stand-in for tf.random.normal([1, 10])
  T2 t = T2::from_shape({1, 10});
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 1.1 * std::cos(0.9 * double(i) + phase);
  return t;
}

/// Prints a [1, 10] gradient and checks it is exactly TensorFlow's ones([1, 10]).
void check_ones(int iteration, const char* what, const T2& g) {
  bool ok = g.shape()[0] == 1 && g.shape()[1] == 10;
  std::printf("  iteration %d, %-26s [", iteration, what);
  for (double v : g) {
    std::printf(" %g", v);
    ok = ok && v == 1.0;
  }
  std::printf(" ]   (TensorFlow: ones([1, 10]))%s\n", ok ? "" : "  MISMATCH");
  failures += !ok;
}

/// The loss's value next to the sum of x, which it must equal.
void check_loss(int iteration, double loss, const T2& x) {
  const double expected = xt::sum(x)();
  const bool ok = std::abs(loss - expected) <= 1e-12;
  std::printf("  iteration %d, %-26s %9.6f   (sum of x: %.6f)%s\n", iteration, "loss", loss,
              expected, ok ? "" : "  MISMATCH");
  failures += !ok;
}

}  // namespace

int main() {
  const T2 ones = xt::ones<double>({10, 1});  // tf.ones([10, 1])

  std::puts("seed 000, snippet 1: one tape object, re-entered with `with tape:` each iteration");
  // TF: x = tf.Variable(tf.random.normal([1, 10]))
  //     tape = tf.GradientTape()
  //     for i in range(3):
  //         with tape:
  //             loss = tf.reduce_sum(tf.matmul(x, tf.ones([10, 1])))
  //         grads = tape.gradient(loss, x)
  // The seed says: None after the first iteration. TensorFlow really: ones every time.
  // typetape: the loss is an expression of x, written once; each gradient() records it
  // afresh at x's current value. Here x also moves between iterations (an SGD step).
  tt::variable<"x", T2> x{pseudo_normal(0.0)};
  auto loss = tt::sum(tt::matmul(x, ones));
  for (int i = 1; i <= 3; ++i) {
    const T2 grads = tt::gradient(loss, x);
    check_loss(i, tt::eval(loss), x.get());
    check_ones(i, "d loss / d x", grads);
    x -= 0.1 * grads;
  }

  std::puts("seed 000, snippet 2: a new tape in each iteration");
  // TF: for i in range(3):
  //         with tf.GradientTape() as tape:  # new tape for each iteration
  //             loss = tf.reduce_sum(tf.matmul(x, tf.ones([10, 1])))
  //         grads = tape.gradient(loss, x)
  // typetape: the same as above, with the recording spelt out: record, then consume it.
  x = pseudo_normal(1.0);
  for (int i = 1; i <= 3; ++i) {
    auto tape = tt::record(loss);
    const T2 grads = std::move(tape).gradient(loss, x);
    check_ones(i, "d loss / d x", grads);
    x -= 0.1 * grads;
  }

  std::puts("seed 000, snippet 3: a persistent tape per iteration, gradient inside, `del tape`");
  // TF: for i in range(3):
  //         with tf.GradientTape(persistent=True) as tape:
  //             loss = tf.reduce_sum(tf.matmul(x, tf.ones([10, 1])))
  //             grads = tape.gradient(loss, x)
  //             grads_list.append(grads)
  //         del tape
  // typetape: the recording lives exactly as long as the tape object, so the end of the
  // block is the `del tape`. A persistent tape may be asked again (here: twice).
  x = pseudo_normal(2.0);
  std::vector<T2> grads_list;
  for (int i = 1; i <= 3; ++i) {
    {
      const auto tape = tt::record<tt::persistent>(loss);
      grads_list.push_back(tape.gradient(loss, x));
      check_ones(i, "grads_list[-1]", grads_list.back());
      check_ones(i, "the same tape, asked again", tape.gradient(loss, x));
    }
    x -= 0.1 * grads_list.back();
  }
  failures += grads_list.size() != 3;

  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
