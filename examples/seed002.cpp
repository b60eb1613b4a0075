// Seed 002, "Why am I getting a NoneType error using TensorFlow 2.0's GradientTape?"
// (shared/seeds/002_558bdd48670f374b.txt): its four TensorFlow snippets (scalars, as in
// the seed), their typetape translations, and the gradients they give.
//
// The seed says None (or "depends") for all four; TensorFlow really gives a number each
// (shared/seed-notes.md): a gradient is taken at the values the variables had when each
// operation was recorded, and an assignment only changes later recordings. typetape
// gives the same numbers. The one snippet typetape rejects is the Python `if x > 1` on
// a variable: TensorFlow records the branch taken, silently a different function on the
// other side of 1; here a recorded comparison used as a bool is TT-E06
// (tests/compile_fail/e06_seed002_branch.cpp, e06_bool_from_comparison.cpp), and
// tt::where(cond, a, b) records both branches.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <typetape/typetape.hpp>
#include <utility>

namespace {

int failures = 0;

/// A gradient beside the value it must have, and where that value comes from.
void check(const char* what, double got, double expected, const char* reference) {
  const bool ok = std::abs(got - expected) <= 1e-12 * std::max(1.0, std::abs(expected));
  failures += !ok;
  std::printf("  %-48s %4g   (%s: %g)%s\n", what, got, reference, expected, ok ? "" : "  MISMATCH");
}

}  // namespace

int main() {
  std::puts("seed 002, snippet 1: x.assign_add(1.0) inside the tape, after y = x * x");
  // TF: x = tf.Variable(2.0)
  //     with tf.GradientTape() as tape:
  //         y = x * x
  //         x.assign_add(1.0)
  //     tape.gradient(y, x)        # the seed: None; really 4.0 (2 x at the multiply)
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto tape = tt::record(y);  // the multiply is recorded at x = 2
  x += 1.0;                   // assign_add: x is 3 from now on
  check("dy/dx from the tape recorded at x = 2", std::move(tape).gradient(y, x), 4.0, "TensorFlow");
  check("dy/dx from a new recording, at x = 3", tt::gradient(y, x), 6.0, "analytic, 2 x");

  std::puts("seed 002, snippet 2: a Python `if` on the variable");
  // TF: with tf.GradientTape() as tape:
  //         if x > 1: y = x * x
  //         else:     y = x
  //     tape.gradient(y, x)        # 4.0 at x = 2, 1.0 at x = 0: the branch taken
  // typetape: `if (x > 1.0)` does not compile (TT-E06); where() is one expression for
  // both sides, so the same y is right at every x.
  auto branch = tt::where(x > 1.0, x * x, x);
  x = 2.0;
  check("where(x > 1, x*x, x) at x = 2", tt::gradient(branch, x), 4.0, "TensorFlow");
  x = 0.0;
  check("where(x > 1, x*x, x) at x = 0", tt::gradient(branch, x), 1.0, "TensorFlow");

  std::puts("seed 002, snippet 3: a function that assigns, then returns x * x");
  // TF: def my_custom_function(x):
  //         x.assign_add(1.0)
  //         return x * x
  //     with tf.GradientTape() as tape: y = my_custom_function(x)   # x = 2.0
  //     tape.gradient(y, x)        # the seed: None; really 6.0 (2 x after the assignment)
  auto my_custom_function = [](tt::variable<"x">& v) {
    v += 1.0;  // happens before the multiply is recorded
    return v * v;
  };
  x = 2.0;
  auto y3 = my_custom_function(x);
  check("dy/dx, y = my_custom_function(x), x = 2", tt::gradient(y3, x), 6.0, "TensorFlow");

  std::puts("seed 002, snippet 4: the seed's \"fix\", with a nested tape");
  // TF: def my_custom_function(x):
  //         with tf.GradientTape() as inner_tape:
  //             x = x + tf.Variable(1.0)
  //             return x * x       # leaves the function: the inner tape is never asked
  //     with tf.GradientTape() as tape: y = my_custom_function(x)   # x = 2.0
  //     tape.gradient(y, x)        # the seed: probably None; the outer tape saw (x + 1)^2
  // typetape: the function returns the expression (x + one)^2; no inner tape is needed.
  auto my_fixed_function = [](const tt::variable<"x">& v, const tt::variable<"one">& one) {
    auto shifted = v + one;
    return shifted * shifted;
  };
  x = 2.0;
  const tt::variable<"one"> one{1.0};  // tf.Variable(1.0): a source too
  auto y4 = my_fixed_function(x, one);
  auto [gx, gone] = tt::gradient(y4, std::tie(x, one));
  check("dy/dx, y = (x + Variable(1.0))^2, x = 2", gx, 6.0, "analytic, 2 (x + 1)");
  check("dy/d one", gone, 6.0, "analytic, 2 (x + 1)");

  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
