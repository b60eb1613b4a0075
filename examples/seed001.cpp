// Seed 001, "Why is TensorFlow's GradientTape returning None when a gradient exists?"
// (shared/seeds/001_b1ecbbfd42364700.txt): its three TensorFlow snippets (scalars, as in
// the seed), their typetape translations, and the gradients they give.
//
// What really gives None or a RuntimeError in TensorFlow (shared/seed-notes.md), and
// what typetape says instead:
//   - snippet 1, `y = x * 3.0` before the tape, `a = y + 5` inside, gradient(a, x): None
//     (the seed says a gradient). A y held as a plain number is TT-E01
//     (tests/compile_fail/e01_number_target.cpp); a y kept as an expression of x is part
//     of a's expression, so the gradient is simply 3.
//   - snippet 1, `z = y * y` after tape2's block, tape2.gradient(z, x): None. TT-E05
//     (tests/compile_fail/e05_seed001_unrecorded_target.cpp).
//   - snippet 1 and 3, a second gradient() on a non-persistent tape: RuntimeError. TT-E04
//     (tests/compile_fail/e04_lvalue_gradient.cpp; on clang also
//     tests/compile_fail/e04_second_use_consumed.cpp, -Werror=consumed).
// The numpy operand of snippet 2 is fine in TensorFlow (3.0), and here.
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
  std::printf("  %-44s %4g   (%s: %g)%s\n", what, got, reference, expected, ok ? "" : "  MISMATCH");
}

}  // namespace

int main() {
  std::puts("seed 001, snippet 1: operations outside the tape");
  // TF: x = tf.Variable(2.0)
  //     y = x * 3.0                        # before any tape
  //     with tf.GradientTape() as tape: z = x * x
  //     tape.gradient(z, x)                # 4.0
  //     with tf.GradientTape() as tape2: a = y + 5
  //     tape2.gradient(a, x)               # None: tape2 never saw x * 3.0
  //     z = y * y                          # after tape2's block
  //     tape2.gradient(z, x)               # RuntimeError (second call); else None
  // typetape: y is an expression of x, not a number, wherever it is written; a
  // recording follows it down to x.
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;
  auto z = x * x;
  check("dz/dx, z = x*x", tt::gradient(z, x), 4.0, "TensorFlow");
  auto a = y + 5.0;
  auto tape2 = tt::record(a);
  check("da/dx, a = y + 5, y = x*3 (TF: None)", std::move(tape2).gradient(a, x), 3.0, "analytic");
  // tape2.gradient(y * y, x) here: TT-E05 (and TT-E04, tape2 is used up). To
  // differentiate y * y, record it: d (3x)^2 / dx = 18 x.
  check("d(y*y)/dx, recorded by its own gradient()", tt::gradient(y * y, x), 36.0,
        "analytic, 18 x");

  std::puts("seed 001, snippet 2: a numpy array times a variable");
  // TF: y = np.array(3.0)
  //     with tf.GradientTape() as tape: z = x * y
  //     tape.gradient(z, x)                # the seed: maybe None; really 3.0
  //     y = tf.constant(3.0)  ...          # the seed's "corrected version": 3.0
  const double numpy_y = 3.0;  // a plain number is a constant of the expression
  check("dz/dx, z = x * np.array(3.0)", tt::gradient(x * numpy_y, x), 3.0, "TensorFlow");
  const tt::constant<double> tf_y{3.0};
  check("dz/dx, z = x * tf.constant(3.0)", tt::gradient(x * tf_y, x), 3.0, "TensorFlow");

  std::puts("seed 001, snippet 3: two gradients from one tape");
  // TF: with tf.GradientTape() as tape:
  //         y = x * x
  //         z = y * y
  //     dy_dx = tape.gradient(y, x)        # 4.0
  //     dz_dx = tape.gradient(z, x)        # RuntimeError (the seed says None)
  // typetape: one non-persistent recording gives one set of gradients; asking it twice
  // is TT-E04. Either ask for both targets' gradients from a persistent tape ...
  auto y2 = tt::let<"y">(x * x);  // named, so it can be a target inside z
  auto z2 = y2 * y2;
  {
    // TF: with tf.GradientTape(persistent=True) as tape: ...; del tape
    const auto tape = tt::record<tt::persistent>(y2, z2);
    check("persistent: dy/dx, y = x*x", tape.gradient(y2, x), 4.0, "TensorFlow");
    check("persistent: dz/dx, z = y*y", tape.gradient(z2, x), 32.0, "TensorFlow");
    check("persistent: dz/dy", tape.gradient(z2, y2), 8.0, "analytic, 2 y");
  }  // the end of the block is `del tape`
  // ... or record each target once: a tape is cheap, a value on the stack.
  check("one recording each: dy/dx", tt::gradient(y2, x), 4.0, "TensorFlow");
  check("one recording each: dz/dx", tt::gradient(z2, x), 32.0, "TensorFlow");

  std::printf("%s\n", failures == 0 ? "all gradients match" : "MISMATCHES");
  return failures == 0 ? 0 : 1;
}
