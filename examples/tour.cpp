// A tour of typetape on the seed articles' own examples: each TensorFlow
// snippet, its typetape translation, and the gradient it gives (TensorFlow's
// real value, from shared/seed-notes.md). The misuses in the same articles do
// not compile; scripts/demo compiles them after this tour and shows the errors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <typetape/typetape.hpp>
#include <utility>

namespace {

int failures = 0;

/// Prints a gradient next to the value it must have: TensorFlow's real value
/// (seed-notes.md), or where the seed's tensors are made scalar here, the
/// analytic derivative (which is what TensorFlow computes on them).
void show(const char* what, double got, double expected, const char* reference = "TensorFlow") {
  const bool ok = std::abs(got - expected) <= 1e-12 * std::max(1.0, std::abs(expected));
  if (!ok) ++failures;
  std::printf("  %-56s %10.6g   (%s: %.6g)%s\n", what, got, reference, expected,
              ok ? "" : "  MISMATCH");
}

void seed000() {
  std::puts("seed 000: a tape per recording, in a loop");
  std::puts("  TF: for i in range(3): with tf.GradientTape() as tape: loss = reduce_sum(matmul(x, ones([10, 1])))");
  std::puts("  here x is 1x3 (three scalar variables); each gradient is 1, every iteration");
  tt::variable<"x0"> x0{0.5};
  tt::variable<"x1"> x1{-1.0};
  tt::variable<"x2"> x2{2.0};
  for (int i = 0; i < 3; ++i) {
    auto loss = x0 * 1.0 + x1 * 1.0 + x2 * 1.0;  // x @ ones, summed
    auto [g0, g1, g2] = tt::gradient(loss, std::tie(x0, x1, x2));
    std::printf("  iteration %d:\n", i + 1);
    show("  d loss / d x[0]", g0, 1.0);
    show("  d loss / d x[1]", g1, 1.0);
    show("  d loss / d x[2]", g2, 1.0);
    x0 += 1.0;  // the variables move between iterations; a new recording each time
  }
}

void seed001() {
  std::puts("seed 001: intermediates, numpy operands, persistent tapes");
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;  // computed "outside the tape": still part of a's expression
  auto a = y + 5.0;
  // TensorFlow gives None here (its tape never saw x*3); the expression carries it.
  show("a = (x*3) + 5, x*3 taken before recording: da/dx", tt::gradient(a, x), 3.0, "analytic");
  const double numpy_y = 3.0;
  show("z = x * np.array(3.0): dz/dx", tt::gradient(x * numpy_y, x), 3.0);
  auto yy = tt::let<"y">(x * x);
  auto z = yy * yy;
  auto t = tt::record<tt::persistent>(yy, z);
  show("persistent: dy/dx, y = x*x", t.gradient(yy, x), 4.0);
  show("persistent: dz/dx, z = y*y", t.gradient(z, x), 32.0);
}

void seed002() {
  std::puts("seed 002: assignments and branches");
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record(y);
  x += 1.0;  // x.assign_add(1.0) after y = x*x was recorded
  show("y = x*x, then x += 1: dy/dx (values at recording)", std::move(t).gradient(y, x), 4.0);
  x = 2.0;
  auto branch = tt::where(x > 1.0, x * x, x);  // `if x > 1` is TT-E06; where() records both
  show("where(x > 1, x*x, x) at x = 2", tt::gradient(branch, x), 4.0);
  x = 0.0;
  show("where(x > 1, x*x, x) at x = 0", tt::gradient(branch, x), 1.0);
  x = 2.0;
  x += 1.0;  // my_custom_function: assign, then return x*x
  show("assign_add then x*x: d/dx", tt::gradient(x * x, x), 6.0);
  // The seed's "fix": x = x + tf.Variable(1.0); return x * x inside an inner tape
  // (the return leaves the inner block first, so the inner tape is unused). The
  // seed expects None; the outer tape sees (x + 1)^2: 2 (x + 1) = 6 at x = 2.
  x = 2.0;
  tt::variable<"one"> one{1.0};
  auto shifted = x + one;
  show("x + tf.Variable(1.0), then its square: d/dx", tt::gradient(shifted * shifted, x), 6.0);
}

void seed003() {
  std::puts("seed 003: a named conv output of a constant input");
  const double input = 0.8;  // tf.constant input
  tt::variable<"filter"> filter{-1.25};
  auto conv = tt::let<"conv">(input * filter);
  auto loss = tt::square(conv);
  auto t = tt::record<tt::persistent>(loss);
  const double c = input * filter.get();
  show("d loss / d conv (a value, not None)", t.gradient(loss, conv), 2 * c, "analytic");
  show("d loss / d filter", t.gradient(loss, filter), 2 * c * input, "analytic");
}

void seed004() {
  std::puts("seed 004: an RNN cell whose initial state is a numpy constant");
  tt::variable<"w"> w{0.3};
  tt::variable<"u"> u{-0.7};
  tt::variable<"b"> b{0.1};
  const double h0 = 0.25, x1 = 1.2;
  auto h1 = tt::tanh(w * x1 + u * h0 + b);
  auto [gw, gu, gb] = tt::gradient(h1, std::tie(w, u, b));
  const double s = 1 - std::pow(std::tanh(0.3 * x1 - 0.7 * h0 + 0.1), 2);
  show("d h1 / d w", gw, s * x1, "analytic");
  show("d h1 / d u (the state is constant; the weight is not)", gu, s * h0, "analytic");
  show("d h1 / d b", gb, s, "analytic");
}

}  // namespace

int main() {
  seed000();
  seed001();
  seed002();
  seed003();
  seed004();
  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
