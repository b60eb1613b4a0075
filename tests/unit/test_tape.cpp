// Tapes: policies, several targets, structures of sources, output_gradients,
// values at recording, and the run-time checks no type can make.
#include <utility>

#include "gradcheck.hpp"

using ttest::consume;

TEST_CASE("non-persistent: one gradient, then consumed_tape_error") {
  tt::variable<"x"> x{2.0};
  auto y = x * x * x;
  auto t = tt::record(y);
  CHECK(t.value() == 8.0);
  CHECK(consume(t, y, x) == 12.0);
  CHECK_THROWS_AS(consume(t, y, x), tt::consumed_tape_error);
  try {
    consume(t, y, x);
  } catch (const tt::consumed_tape_error& e) {
    CHECK(std::string_view(e.what()).starts_with("TT-E04"));
  }
}

TEST_CASE("persistent: many gradients for several targets (seed 001, 000)") {
  tt::variable<"x"> x{2.0};
  auto y = tt::let<"y">(x * x);
  auto z = y * y;
  auto t = tt::record<tt::persistent>(y, z);
  CHECK(t.gradient(y, x) == 4.0);   // dy/dx = 2x
  CHECK(t.gradient(z, x) == 32.0);  // dz/dx = 4x^3
  CHECK(t.gradient(z, y) == 8.0);   // dz/dy = 2y
  CHECK(t.gradient(z, x) == 32.0);  // again
  auto copy = t;                    // persistent tapes are values
  CHECK(copy.gradient(z, x) == 32.0);
}

TEST_CASE("gradients use the values at recording (seed 002's assign_add)") {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record<tt::persistent>(y);
  x += 1.0;                          // after the multiply was recorded
  CHECK(t.gradient(y, x) == 4.0);    // 2 * 2, as TensorFlow
  CHECK(tt::gradient(y, x) == 6.0);  // a new recording sees x = 3
}

TEST_CASE("sources as a tuple; the result mirrors it") {
  tt::variable<"a"> a{1.0};
  tt::variable<"b"> b{2.0};
  tt::variable<"c"> c{3.0};
  auto f = a * b * c + tt::sin(a);
  auto [ga, gb, gc] = tt::gradient(f, std::tie(a, b, c));
  CHECK(ga == doctest::Approx(6.0 + std::cos(1.0)));
  CHECK(gb == 3.0);
  CHECK(gc == 2.0);
  auto [gc2, ga2] = tt::gradient(f, std::make_tuple(std::cref(c), std::cref(a)));
  CHECK(gc2 == 2.0);
  CHECK(ga2 == doctest::Approx(6.0 + std::cos(1.0)));
}

TEST_CASE("tuple targets with output_gradients (TensorFlow would sum silently)") {
  tt::variable<"x"> x{2.0};
  auto y1 = x * x;
  auto y2 = 3.0 * x;
  CHECK(tt::gradient(std::tie(y1, y2), x, tt::output_gradients(1.0, 1.0)) == 7.0);
  CHECK(tt::gradient(std::tie(y1, y2), x, tt::output_gradients(0.5, -2.0)) == -4.0);
  auto t = tt::record<tt::persistent>(y1, y2);
  CHECK(t.gradient(std::tie(y1, y2), x, tt::output_gradients(2.0, 1.0)) == 11.0);
  CHECK(t.gradient(y1, x, tt::output_gradients(3.0)) == 12.0);  // a scaled seed
}

TEST_CASE("a target of a recorded type that is another expression: TT-E05 at run time") {
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;
  auto t = tt::record<tt::persistent>(y);
  auto other = x * 4.0;  // same type as y, another constant
  CHECK_THROWS_AS(t.gradient(other, x), tt::unrecorded_target_error);
  CHECK(t.gradient(y, x) == 3.0);
  // two targets of one type: the right one is found
  auto t2 = tt::record<tt::persistent>(y, other);
  CHECK(t2.gradient(other, x) == 4.0);
  CHECK(t2.gradient(y, x) == 3.0);
}

TEST_CASE("two variables with one name in a recording: TT-E10 at run time") {
  tt::variable<"x"> x1{2.0};
  tt::variable<"x"> x2{3.0};
  auto y = x1 * x2;
  CHECK_THROWS_AS(tt::record(y), tt::name_clash_error);
  try {
    (void)tt::record(y);
  } catch (const tt::name_clash_error& e) {
    CHECK(std::string_view(e.what()).find("\"x\"") != std::string_view::npos);
  }
  auto l1 = tt::let<"h">(x1 * 2.0);
  auto l2 = tt::let<"h">(x1 * 5.0);  // same type, other constant
  CHECK_THROWS_AS(tt::record(l1 + l2), tt::name_clash_error);
}

TEST_CASE("the target may be a variable or a let") {
  tt::variable<"x"> x{2.0};
  CHECK(tt::gradient(x, x) == 1.0);
  auto h = tt::let<"h">(x * x);
  CHECK(tt::gradient(h, x) == 4.0);
  CHECK(tt::gradient(h, h) == 1.0);
}

TEST_CASE("class template argument deduction: tt::tape t(y)") {
  tt::variable<"x"> x{2.0};
  auto y = tt::exp(x);
  tt::tape t(y);
  static_assert(std::is_same_v<decltype(t)::policy, tt::non_persistent>);
  CHECK(std::move(t).gradient(y, x) == doctest::Approx(std::exp(2.0)));
  tt::tape<tt::persistent, decltype(y)> p(y);
  CHECK(p.gradient(y, x) == doctest::Approx(std::exp(2.0)));
}

// ---- regressions found in review ---------------------------------------------------------

TEST_CASE("short form, tuple of targets of one type: each gets its own weight") {
  tt::variable<"x"> x{2.0};
  auto l1 = tt::square(x - 1.0);  // d/dx = 2 (x - 1) = 2
  auto l2 = tt::square(x - 3.0);  // d/dx = 2 (x - 3) = -2
  static_assert(std::is_same_v<decltype(l1), decltype(l2)>);
  CHECK(tt::gradient(std::tie(l1, l2), x, tt::output_gradients(1.0, 1.0)) == 0.0);
  CHECK(tt::gradient(std::tie(l1, l2), x, tt::output_gradients(1.0, 0.0)) == 2.0);
  CHECK(tt::gradient(std::tie(l1, l2), x, tt::output_gradients(0.0, 1.0)) == -2.0);
}

TEST_CASE("a source with the target's name but another object: TT-E10 at run time") {
  struct layer {
    tt::variable<"W"> W{0.5};
    auto operator()(double in) const { return W * in; }
  };
  layer a, b;
  auto out = a(2.0);
  CHECK(tt::gradient(out, a.W) == 2.0);
  CHECK_THROWS_AS(tt::gradient(out, b.W), tt::name_clash_error);
  auto t = tt::record<tt::persistent>(out);
  CHECK_THROWS_AS(t.gradient(out, b.W), tt::name_clash_error);
}

TEST_CASE("lets that no differentiable path from the target reaches are not run (no NaN)") {
  tt::variable<"z"> z{0.0};
  auto r = tt::let<"r">(tt::sqrt(z));  // sqrt'(0) is infinite
  CHECK(tt::gradient(tt::where(r > 0.5, z, 2.0 * z), z) == 2.0);
  CHECK(tt::gradient(z + tt::stop_gradient(r), z) == 1.0);
  auto zz = z * z;
  auto t = tt::record<tt::persistent>(zz, r);
  CHECK(t.gradient(zz, z) == 0.0);
}

TEST_CASE("a persistent tape of a variable, and lets recorded inside a target as targets") {
  tt::variable<"x"> x{2.0};
  auto tx = tt::record<tt::persistent>(x);
  CHECK(tx.gradient(x, x) == 1.0);
  auto y = tt::let<"y">(x * 2.0);
  auto big = y * y + 1.0;
  auto t = tt::record<tt::persistent>(big);
  CHECK(t.gradient(y, x) == 2.0);      // y was recorded as part of big (TensorFlow: 2)
  CHECK(t.gradient(big, x) == 16.0);   // 2 y * 2
  auto other = tt::let<"y">(x * 3.0);  // same name and type, another constant
  CHECK_THROWS_AS(t.gradient(other, x), tt::unrecorded_target_error);
}

TEST_CASE("long double variables") {
  tt::variable<"x", long double> x{2.0L};
  auto y = x * x * 3.0L;
  auto t = tt::record<tt::persistent>(y);
  CHECK(t.gradient(y, x) == 12.0L);
}

TEST_CASE("tt::value_and_gradient: the value and the gradient from one recording") {
  tt::variable<"x"> x{1.5};
  tt::variable<"y"> y{-0.5};
  auto f = x * x * y + tt::sin(x);
  const double fv = 1.5 * 1.5 * -0.5 + std::sin(1.5);
  auto [v, g] = tt::value_and_gradient(f, std::tie(x, y));
  CHECK(v == doctest::Approx(fv).epsilon(1e-15));
  CHECK(std::get<0>(g) == doctest::Approx(2 * 1.5 * -0.5 + std::cos(1.5)).epsilon(1e-15));
  CHECK(std::get<1>(g) == doctest::Approx(1.5 * 1.5).epsilon(1e-15));
  // bit for bit what tt::eval and tt::gradient give
  CHECK(v == tt::eval(f));
  CHECK(g == tt::gradient(f, std::tie(x, y)));
  const auto one = tt::value_and_gradient(f, x);  // one source: the gradient is a number
  CHECK(one.value == v);
  CHECK(one.gradient == std::get<0>(g));
}

TEST_CASE("tt::value_and_gradient of a loop: the value the short form skips is computed") {
  // tt::gradient runs a sum over a fused region once, in the backward pass; its value must
  // still come out right here
  tt::variable<"mu"> mu{0.3};
  std::vector<double> y{0.5, -1.0, 2.5, 0.25};
  auto sq = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::square(tt::at(y, i) - mu); });
  double want = 0, dwant = 0;
  for (double v : y) want += (v - 0.3) * (v - 0.3), dwant -= 2 * (v - 0.3);
  const auto [v, g] = tt::value_and_gradient(sq, mu);
  CHECK(v == doctest::Approx(want).epsilon(1e-14));
  CHECK(g == doctest::Approx(dwant).epsilon(1e-14));
}

TEST_CASE("tt::value_and_gradient of a tuple of targets: a tuple of values") {
  tt::variable<"x"> x{2.0};
  auto a = x * x;           // 4, d/dx 4
  auto b = tt::exp(x) - x;  // e^2 - 2, d/dx e^2 - 1
  const auto [v, g] = tt::value_and_gradient(std::tie(a, b), x, tt::output_gradients(1.0, 3.0));
  CHECK(std::get<0>(v) == 4.0);
  CHECK(std::get<1>(v) == doctest::Approx(std::exp(2.0) - 2).epsilon(1e-15));
  CHECK(g == doctest::Approx(4 + 3 * (std::exp(2.0) - 1)).epsilon(1e-15));
}

TEST_CASE("tt::value_and_gradient with a tape's misuse at run time: TT-E10 still thrown") {
  tt::variable<"x"> x{1.0};
  tt::variable<"x"> other{2.0};
  auto f = x * x;
  CHECK_THROWS_AS(tt::value_and_gradient(f, other), tt::name_clash_error);
}

TEST_CASE("tt::gradient_into: the gradient written into the caller's numbers") {
  tt::variable<"x"> x{1.5};
  tt::variable<"y"> y{-0.5};
  auto f = x * x * y + tt::sin(x);
  const double dx = 2 * 1.5 * -0.5 + std::cos(1.5), dy = 1.5 * 1.5;
  double gx = 7, gy = 7;
  tt::gradient_into(f, std::tie(x, y), std::tie(gx, gy));
  CHECK(gx == doctest::Approx(dx).epsilon(1e-15));
  CHECK(gy == doctest::Approx(dy).epsilon(1e-15));
  // bit for bit tt::gradient's, into a tuple it returned, and for one source into a number
  auto g = tt::gradient(x * y, std::tie(x, y));
  tt::gradient_into(f, std::tie(x, y), g);
  CHECK(g == tt::gradient(f, std::tie(x, y)));
  double one = 0;
  tt::gradient_into(f, y, one);
  CHECK(one == gy);
  // with options after the places: a tuple of targets weighed by output_gradients
  auto a = x * x;  // d/dx 2x = 3
  auto b = x * y;  // d/dx y = -0.5
  tt::gradient_into(std::tie(a, b), x, one, tt::output_gradients(1.0, 4.0));
  CHECK(one == doctest::Approx(3 - 2).epsilon(1e-15));
}

TEST_CASE("tt::gradient_into: a run-time error leaves the caller's numbers untouched") {
  tt::variable<"x"> x{1.0};
  tt::variable<"x"> other{2.0};
  double g = 42;
  CHECK_THROWS_AS(tt::gradient_into(x * x, other, g), tt::name_clash_error);  // TT-E10
  CHECK(g == 42);
}
