// where(), comparisons, stop_gradient, cast, round/floor/ceil/trunc/sign, and
// the explicit opt-in tt::unconnected::zero.
#include <limits>
#include <utility>

#include "gradcheck.hpp"

TEST_CASE("where: the gradient flows into the branch taken (seed 002, made right)") {
  tt::variable<"x"> x{2.0};
  auto y = tt::where(x > 1.0, x * x, x);
  CHECK(tt::gradient(y, x) == 4.0);  // TensorFlow records the branch taken: 2x = 4
  x = 0.0;
  CHECK(tt::gradient(y, x) == 1.0);
  ttest::sampler s;
  for (int i = 0; i < 40; ++i) {
    x = s(-3, 3);
    if (std::abs(x.get() - 1.0) < 1e-3) continue;
    ttest::gradcheck(y, x);
    ttest::gradcheck(tt::where(x <= 0.5, tt::sin(x), x * 3.0), x);
  }
}

TEST_CASE("comparisons evaluate to bool") {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  CHECK(tt::eval(x < y));
  CHECK(tt::eval(x <= 2.0));
  CHECK_FALSE(tt::eval(x > y));
  CHECK(tt::eval(y >= x));
  static_assert(tt::is_recorded_comparison<decltype(x < y)>);
}

TEST_CASE("stop_gradient: mixed live and detached paths (TensorFlow: 2 everywhere)") {
  tt::variable<"x"> x{5.0};
  auto y = x * 2.0 + tt::stop_gradient(x);
  CHECK(tt::eval(y) == 15.0);
  CHECK(tt::gradient(y, x) == 2.0);
  auto z = x * tt::stop_gradient(x);  // d/dx treats the second x as a constant
  CHECK(tt::gradient(z, x) == 5.0);
}

TEST_CASE("cast: to float/double differentiable, to int detaching") {
  tt::variable<"x"> x{2.7};
  auto f = tt::cast<float>(x * x);
  static_assert(std::is_same_v<decltype(f)::value_type, float>);
  CHECK(tt::gradient(f, x) == doctest::Approx(5.4).epsilon(1e-6));
  auto i = tt::cast<int>(x);
  CHECK(tt::eval(i) == 2);
  auto mixed = tt::cast<double>(tt::cast<int>(x)) * x;  // live through the right factor only
  CHECK(tt::gradient(mixed, x) == 2.0);
  ttest::sampler s;
  tt::variable<"u", float> u{0.0f};
  for (int i = 0; i < 40; ++i) {
    x = s(-3, 3);
    u = float(s(-3, 3));
    ttest::gradcheck(tt::cast<double>(tt::sin(x)) * x, x);
    ttest::gradcheck(tt::cast<float>(x * x) * 3.0f, ttest::tolerance{1e-5, 0}, x);
    ttest::gradcheck(tt::cast<double>(u) * tt::cast<double>(u) * x, ttest::tolerance{1e-5, 0}, x,
                     u);
  }
}

TEST_CASE("piecewise-constant ops take their values and detach") {
  tt::variable<"x"> x{-2.5};
  CHECK(tt::eval(tt::round(x)) == -2.0);  // tf.round: half to even
  CHECK(tt::eval(tt::floor(x)) == -3.0);
  CHECK(tt::eval(tt::ceil(x)) == -2.0);
  CHECK(tt::eval(tt::trunc(x)) == -2.0);
  CHECK(tt::eval(tt::sign(x)) == -1.0);
  CHECK(tt::gradient(x - tt::floor(x), x) == 1.0);  // frac(x): the floor path is cut
  static_assert(tt::only_detached<decltype(tt::round(x) * 2.0), decltype(x)>);
  // tf.round and NumPy round half to even (std::round goes away from zero)
  for (auto [v, r] : {std::pair{0.5, 0.0},
                      {1.5, 2.0},
                      {2.5, 2.0},
                      {-0.5, -0.0},
                      {-1.5, -2.0},
                      {3.7, 4.0},
                      {-3.2, -3.0}}) {
    x = v;
    CHECK(tt::eval(tt::round(x)) == r);
    CHECK(tt::gradient(x + tt::round(x), x) == 1.0);
  }
  // NaN: sign is NaN (TensorFlow, NumPy), so |x|' at NaN is NaN, not 0
  x = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(tt::eval(tt::sign(x))));
  CHECK(std::isnan(tt::gradient(tt::abs(x), x)));
}

TEST_CASE("unconnected::zero turns E01/E02 into explicit zeros") {
  tt::variable<"x"> x{2.0};
  tt::variable<"y"> y{3.0};
  auto z = y * tt::stop_gradient(x);
  auto [gx, gy] = tt::gradient(z, std::tie(x, y), tt::unconnected::zero);
  CHECK(gx == 0.0);
  CHECK(gy == 2.0);
  tt::variable<"u"> unused{1.0};
  CHECK(tt::gradient(z, unused, tt::unconnected::zero) == 0.0);
}
