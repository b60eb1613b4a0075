// The arithmetic and elementwise ops where the table-driven tests (test_op_table.cpp:
// every op over its domain, double and float, kinks, higher order) do not reach: the
// edges of each domain, tails where finite differences drown in rounding (against
// closed forms), numbers on either side, and TensorFlow's values at the conventions.
#include <cmath>
#include <limits>
#include <numbers>

#include "gradcheck.hpp"

using ttest::gradcheck;

namespace {

constexpr int points = 40;

/// Runs f(x) at `points` random x in [lo, hi] and at the given extra points.
template <class F>
void at_points(double lo, double hi, std::initializer_list<double> extra, F f) {
  ttest::sampler s;
  tt::variable<"x"> x{0.0};
  for (int i = 0; i < points; ++i) {
    x = s(lo, hi);
    f(x);
  }
  for (double e : extra) {
    x = e;
    f(x);
  }
}

}  // namespace

TEST_CASE("arithmetic: + - * / unary -, with numbers on either side") {
  ttest::sampler s;
  tt::variable<"x"> x{0.0};
  tt::variable<"y"> y{0.0};
  for (int i = 0; i < points; ++i) {
    x = s(-3, 3);
    y = s(0.2, 3) * (i % 2 ? 1 : -1);
    gradcheck(x + y, x, y);
    gradcheck(x - y, x, y);
    gradcheck(x * y, x, y);
    gradcheck(x / y, x, y);
    gradcheck(-x * y, x, y);
    gradcheck(2.5 * x - y / 4 + 1, x, y);
    gradcheck(3 / y + x * x * x, x, y);
  }
  x = 1.5;
  y = -2.0;
  // analytic: d(x/y)/dy = -x/y^2
  CHECK(tt::gradient(x / y, y) == doctest::Approx(-1.5 / 4.0));
  CHECK(tt::gradient(x * x * x, x) == doctest::Approx(3 * 1.5 * 1.5));
}

TEST_CASE("exp log sqrt log1p expm1 on their domains and near the edges") {
  at_points(-5, 5, {-30, 0, 20}, [](auto& x) { gradcheck(tt::exp(x), x); });
  at_points(1e-3, 50, {1e-3, 1e-2, 1e3}, [](auto& x) { gradcheck(tt::log(x), x); });
  at_points(1e-3, 50, {1e-3, 1e4}, [](auto& x) { gradcheck(tt::sqrt(x), x); });
  at_points(-0.999, 10, {-0.999, 0, 1e-8}, [](auto& x) { gradcheck(tt::log1p(x), x); });
  at_points(-5, 5, {0, 1e-8, -20}, [](auto& x) { gradcheck(tt::expm1(x), x); });
  tt::variable<"x"> x{0.3};
  CHECK(tt::gradient(tt::log(x), x) == doctest::Approx(1 / 0.3));
  CHECK(tt::gradient(tt::sqrt(x), x) == doctest::Approx(0.5 / std::sqrt(0.3)));
  CHECK(tt::gradient(tt::log1p(x), x) == doctest::Approx(1 / 1.3));
  CHECK(tt::gradient(tt::expm1(x), x) == doctest::Approx(std::exp(0.3)));
}

TEST_CASE("trigonometric and hyperbolic") {
  at_points(-6, 6, {0}, [](auto& x) { gradcheck(tt::sin(x), x); });
  at_points(-6, 6, {0}, [](auto& x) { gradcheck(tt::cos(x), x); });
  at_points(-1.5, 1.5, {1.5, -1.5, 0}, [](auto& x) { gradcheck(tt::tan(x), x); });
  at_points(-4, 4, {0, 15, -15}, [](auto& x) { gradcheck(tt::tanh(x), x); });
  tt::variable<"x"> x{0.7};
  CHECK(tt::gradient(tt::tan(x), x) == doctest::Approx(1 / (std::cos(0.7) * std::cos(0.7))));
  CHECK(tt::gradient(tt::tanh(x), x) == doctest::Approx(1 / (std::cosh(0.7) * std::cosh(0.7))));
}

TEST_CASE("tails where finite differences drown in rounding: analytic derivatives") {
  // At tanh(15) the derivative (~4e-13) is far below the rounding noise of any
  // finite difference of a value near 1, so these compare with closed forms
  // (relative only: doctest's Approx is absolute near 0 unless scale(0)).
  tt::variable<"x"> x{0.0};
  // tanh' = 1 - v*v and sigmoid' = v(1 - v) (TensorFlow's and PyTorch's rules too) lose
  // relative precision where v rounds near 1: ~1e-3 at 15 and 30, checked to that.
  for (double t : {15.0, -15.0, 5.0}) {
    x = t;
    CHECK(tt::gradient(tt::tanh(x), x) ==
          doctest::Approx(1 / (std::cosh(t) * std::cosh(t))).scale(0).epsilon(1e-2));
  }
  for (double t : {-30.0, -600.0, -5.0, 30.0}) {
    x = t;
    const double e = std::exp(-std::abs(t));
    CHECK(tt::gradient(tt::sigmoid(x), x) ==
          doctest::Approx(e / ((1 + e) * (1 + e))).scale(0).epsilon(t < 0 ? 1e-12 : 1e-2));
  }
  for (double t : {5.0, -5.0}) {
    x = t;
    CHECK(tt::gradient(tt::erf(x), x) ==
          doctest::Approx(2 / std::sqrt(std::numbers::pi) * std::exp(-t * t))
              .scale(0)
              .epsilon(1e-12));
  }
  x = -20.0;
  CHECK(tt::gradient(tt::expm1(x), x) == doctest::Approx(std::exp(-20.0)).scale(0).epsilon(1e-12));
  x = -30.0;
  CHECK(tt::gradient(tt::exp(x), x) == doctest::Approx(std::exp(-30.0)).scale(0).epsilon(1e-12));
}

TEST_CASE("sigmoid is stable on both tails") {
  at_points(-8, 8, {0, 30, -30}, [](auto& x) { gradcheck(tt::sigmoid(x), x); });
  tt::variable<"x"> x{-800.0};
  CHECK(tt::eval(tt::sigmoid(x)) == 0.0);
  CHECK(std::isfinite(tt::gradient(tt::sigmoid(x), x)));
  x = 800.0;
  CHECK(tt::eval(tt::sigmoid(x)) == 1.0);
  x = 0.0;
  CHECK(tt::gradient(tt::sigmoid(x), x) == doctest::Approx(0.25));
}

TEST_CASE("square, erf, atan2, pow") {
  at_points(-3, 3, {0}, [](auto& x) { gradcheck(tt::square(x), x); });
  at_points(-3, 3, {0, 5, -5}, [](auto& x) { gradcheck(tt::erf(x), x); });
  tt::variable<"x"> x{0.4};
  CHECK(tt::gradient(tt::erf(x), x) ==
        doctest::Approx(2 / std::sqrt(std::numbers::pi) * std::exp(-0.16)));

  ttest::sampler s;
  tt::variable<"y"> y{0.0};
  for (int i = 0; i < points; ++i) {
    x = s(-3, 3);
    y = s(-3, 3);
    if (std::abs(x.get()) + std::abs(y.get()) < 1e-2) continue;
    gradcheck(tt::atan2(y, x), x, y);
    x = s(0.05, 4);
    gradcheck(tt::pow(x, y), x, y);
    gradcheck(tt::pow(x, 2.5), x);
    gradcheck(tt::pow(1.7, y), y);
    gradcheck(tt::atan2(2.0, x) + tt::atan2(y, -0.5), x, y);  // numbers on either side
  }
  // pow near base 0 and for negative bases with integral exponents
  at_points(1e-3, 0.05, {1e-3}, [&](auto& b) {
    gradcheck(tt::pow(b, 2.5), b);
    gradcheck(tt::pow(b, 0.5), b);
  });
  at_points(-3, -0.05, {-1e-3}, [&](auto& b) {
    gradcheck(tt::pow(b, 3.0), b);
    gradcheck(tt::pow(b, -2.0), b);
  });
  // atan2 near the origin and along its branch cut (x < 0, y -> 0 from either side)
  for (double yy : {1e-3, -1e-3, 1e-6, -1e-6}) {
    for (double xx : {-2.0, -1e-3, 1e-3, 0.7}) {
      x = xx;
      y = yy;
      gradcheck(tt::atan2(y, x), x, y);
    }
  }
  x = 2.0;
  y = 3.0;
  CHECK(tt::gradient(tt::pow(x, y), x) == doctest::Approx(12.0));
  CHECK(tt::gradient(tt::pow(x, y), y) == doctest::Approx(8.0 * std::log(2.0)));
  // TensorFlow: the exponent's gradient is 0 where the base is <= 0.
  x = -2.0;
  CHECK(tt::gradient(tt::pow(x, y), y) == 0.0);
  CHECK(tt::gradient(tt::pow(x, y), x) == doctest::Approx(12.0));
}

TEST_CASE("abs, relu, min, max away from kinks, and TensorFlow's choice at them") {
  // near the kinks too: the finite-difference step (relative, ~6e-9 here) stays on one side
  at_points(-3, 3, {1e-6, -1e-6, 1e-3, -1e-3}, [](auto& x) { gradcheck(tt::abs(x), x); });
  at_points(-3, 3, {1e-6, -1e-6, 1e-3, -1e-3}, [](auto& x) { gradcheck(tt::relu(x), x); });
  at_points(-3, 3, {0, 1e-6, -1e-6}, [](auto& x) {  // forward values against the standard library
    CHECK(tt::eval(tt::abs(x)) == std::abs(x.get()));
    CHECK(tt::eval(tt::relu(x)) == std::max(x.get(), 0.0));
    CHECK(tt::eval(tt::max(x, 0.25)) == std::max(x.get(), 0.25));
    CHECK(tt::eval(tt::min(0.25, x)) == std::min(0.25, x.get()));
  });
  tt::variable<"x"> x{0.0};
  tt::variable<"y"> y{0.0};
  CHECK(tt::gradient(tt::abs(x), x) == 0.0);   // tf: sign(0) = 0
  CHECK(tt::gradient(tt::relu(x), x) == 0.0);  // tf: gradient where x > 0
  x = -1.5;
  CHECK(tt::gradient(tt::abs(x), x) == -1.0);
  CHECK(tt::gradient(tt::relu(x), x) == 0.0);

  ttest::sampler s;
  for (int i = 0; i < points; ++i) {
    x = s(-3, 3);
    y = s(-3, 3);
    gradcheck(tt::max(x, y) * 2.0, x, y);
    gradcheck(tt::min(x, y) * 2.0, x, y);
    gradcheck(tt::max(x, 0.5), x);
    gradcheck(tt::min(x, 0.5), x);
    gradcheck(tt::max(-1.0, x) * x, x);  // the number first
    gradcheck(tt::min(-1.0, x) * x, x);
    // near a tie, on either side (1e-4 apart: farther than the finite-difference step)
    y = x.get() + (i % 2 ? 1e-4 : -1e-4);
    gradcheck(tt::max(x, y) * 2.0, x, y);
    gradcheck(tt::min(x, y) * 2.0, x, y);
  }
  x = 1.0;
  y = 1.0;  // ties: tf.maximum and tf.minimum give the gradient to the first operand
  auto [mx, my] = tt::gradient(tt::max(x, y), std::tie(x, y));
  CHECK(mx == 1.0);
  CHECK(my == 0.0);
  auto [nx, ny] = tt::gradient(tt::min(x, y), std::tie(x, y));
  CHECK(nx == 1.0);
  CHECK(ny == 0.0);
  // a NaN on either side comes out (std::max would drop it when it is the first operand)
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int side = 0; side < 2; ++side) {
    x = side ? nan : 1.0;
    y = side ? 1.0 : nan;
    CHECK(std::isnan(tt::eval(tt::max(x, y))));
    CHECK(std::isnan(tt::eval(tt::min(x, y))));
    CHECK(std::isnan(tt::eval(tt::max(x, 2.0) + tt::min(3.0, y) * 0.0)));
  }
  x = nan;
  CHECK(std::isnan(tt::eval(tt::relu(x))));
}

TEST_CASE("compositions: a log-density and a Rosenbrock term") {
  ttest::sampler s;
  tt::variable<"mu"> mu{0.0};
  tt::variable<"sigma"> sigma{1.0};
  tt::variable<"a"> a{0.0};
  tt::variable<"b"> b{0.0};
  for (int i = 0; i < points; ++i) {
    mu = s(-2, 2);
    sigma = s(0.1, 3);
    const double datum = s(-3, 3);
    auto z = (datum - mu) / sigma;
    auto logp = -0.5 * tt::square(z) - tt::log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
    gradcheck(logp, mu, sigma);
    // analytic: d/dmu = z / sigma, d/dsigma = (z^2 - 1) / sigma
    const double zv = (datum - mu.get()) / sigma.get();
    auto [gmu, gsigma] = tt::gradient(logp, std::tie(mu, sigma));
    CHECK(gmu == doctest::Approx(zv / sigma.get()));
    CHECK(gsigma == doctest::Approx((zv * zv - 1) / sigma.get()));

    a = s(-2, 2);
    b = s(-2, 2);
    auto rosen = tt::square(1.0 - a) + 100.0 * tt::square(b - a * a);
    gradcheck(rosen, ttest::tolerance{1e-6, 1e-7}, a, b);
  }
}

TEST_CASE("float expressions keep float") {
  tt::variable<"x", float> x{0.5f};
  auto y = tt::exp(x) * 2.0 + tt::sin(x);  // plain numbers take the expression's type
  static_assert(std::is_same_v<decltype(y)::value_type, float>);
  const float g = tt::gradient(y, x);
  CHECK(g == doctest::Approx(2 * std::exp(0.5) + std::cos(0.5)).epsilon(1e-6));
}

TEST_CASE("asinh acosh atanh softplus log_sigmoid hypot: tails, edges and conventions") {
  tt::variable<"x"> x{0.0};
  tt::variable<"y"> y{0.0};
  // softplus and log_sigmoid are stable on both tails (no exp overflow, no log(0))
  for (double t : {-700.0, -40.0, 40.0, 700.0}) {
    x = t;
    CHECK(tt::eval(tt::softplus(x)) ==
          doctest::Approx(t > 0 ? t : std::exp(t)).scale(0).epsilon(1e-12));
    CHECK(tt::eval(tt::log_sigmoid(x)) ==
          doctest::Approx(t > 0 ? -std::exp(-t) : t).scale(0).epsilon(1e-12));
    CHECK(tt::gradient(tt::softplus(x), x) ==
          doctest::Approx(t > 0 ? 1.0 : std::exp(t)).scale(0).epsilon(1e-12));
    CHECK(std::isfinite(tt::gradient(tt::log_sigmoid(x), x)));
  }
  // acosh near 1 and atanh near +-1: the closed forms 1/sqrt(x^2 - 1) and 1/(1 - x^2)
  for (double t : {1 + 1e-6, 1.001, 30.0}) {
    x = t;
    CHECK(tt::gradient(tt::acosh(x), x) ==
          doctest::Approx(1 / std::sqrt((t - 1) * (t + 1))).epsilon(1e-12));
  }
  for (double t : {0.999999, -0.999, 0.0}) {
    x = t;
    CHECK(tt::gradient(tt::atanh(x), x) == doctest::Approx(1 / ((1 - t) * (1 + t))).epsilon(1e-12));
    CHECK(tt::gradient(tt::asinh(x), x) ==
          doctest::Approx(1 / std::sqrt(t * t + 1)).epsilon(1e-12));
  }
  // hypot does not overflow where x*x would; its gradient at the origin is 0 (as abs'(0))
  x = 3e200;
  y = 4e200;
  CHECK(tt::eval(tt::hypot(x, y)) == doctest::Approx(5e200));
  auto [gx, gy] = tt::gradient(tt::hypot(x, y), std::tie(x, y));
  CHECK(gx == doctest::Approx(0.6));
  CHECK(gy == doctest::Approx(0.8));
  x = 0.0;
  y = 0.0;
  auto [ox, oy] = tt::gradient(tt::hypot(x, y), std::tie(x, y));
  CHECK(ox == 0.0);
  CHECK(oy == 0.0);
  gradcheck(tt::hypot(2.0, x) + tt::hypot(y, -1.5), x, y);  // numbers on either side
}
