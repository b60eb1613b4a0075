// Higher order: Hessians against central finite differences of typetape's gradients
// (which gradcheck checks against finite differences of values elsewhere), jvp against
// the reverse-mode gradient dotted with v, hvp against the Hessian times v, jacobian
// rows against single gradients, and dual numbers' own rules against difference quotients.
#include <algorithm>
#include <cmath>

#include "gradcheck.hpp"

namespace {

/// d/dx_j of the gradient's component i, by central differences (step h, Richardson once).
template <class F, class X, class Y>
std::array<std::array<double, 2>, 2> fd_hessian(const F& grad, X& x, Y& y) {
  std::array<std::array<double, 2>, 2> h{};
  auto nudge = [&](auto& v, double e) {
    const double v0 = v.get();
    v = v0 + e;
    auto g = grad();
    v = v0;
    return g;
  };
  for (int j = 0; j < 2; ++j) {
    auto diff = [&](double e) {
      auto p = j == 0 ? nudge(x, e) : nudge(y, e);
      auto m = j == 0 ? nudge(x, -e) : nudge(y, -e);
      return std::array<double, 2>{(std::get<0>(p) - std::get<0>(m)) / (2 * e),
                                   (std::get<1>(p) - std::get<1>(m)) / (2 * e)};
    };
    const auto d1 = diff(1e-4), d2 = diff(5e-5);
    for (int i = 0; i < 2; ++i) h[i][j] = (4 * d2[i] - d1[i]) / 3;  // Richardson: O(e^4)
  }
  return h;
}

template <class F, class X, class Y>
void check_second_order(const F& f, X& x, Y& y) {
  const auto H = tt::hessian(f, std::tie(x, y));
  const auto fd = fd_hessian([&] { return tt::gradient(f, std::tie(x, y)); }, x, y);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      INFO("H[", i, "][", j, "] = ", H[i][j], ", finite differences of the gradient ", fd[i][j]);
      CHECK(H[i][j] == doctest::Approx(fd[i][j]).epsilon(1e-6).scale(1.0));
    }
  CHECK(H[0][1] == doctest::Approx(H[1][0]).epsilon(1e-12));  // symmetric
  // jvp: f's value and <grad f, v>; hvp: H v
  const double vx = 0.3, vy = -1.7;
  const auto [val, dir] = tt::jvp(f, std::tie(x, y), std::tuple(vx, vy));
  const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
  CHECK(val == doctest::Approx(tt::eval(f)).epsilon(1e-15));
  CHECK(dir == doctest::Approx(gx * vx + gy * vy).epsilon(1e-13));
  const auto [hx, hy] = tt::hvp(f, std::tie(x, y), std::tuple(vx, vy));
  CHECK(hx == doctest::Approx(H[0][0] * vx + H[0][1] * vy).epsilon(1e-12));
  CHECK(hy == doctest::Approx(H[1][0] * vx + H[1][1] * vy).epsilon(1e-12));
}

}  // namespace

TEST_CASE("hessian, jvp, hvp: smooth ops against finite differences of the gradient") {
  tt::variable<"x"> x{0.7};
  tt::variable<"y"> y{-1.2};
  SUBCASE("exp, sin, square, log1p, tanh, division") {
    check_second_order(
        tt::exp(x * y) + tt::sin(x) * tt::square(y) + tt::log1p(x * x) / (1.0 + tt::tanh(y)), x, y);
  }
  SUBCASE("log, sqrt, cos, tan, sigmoid") {
    check_second_order(tt::log(x + 2.0) * tt::sqrt(y * y + 1.0) + tt::cos(x * y) -
                           tt::tan(0.3 * x) * tt::sigmoid(y),
                       x, y);
  }
  SUBCASE("pow (both operands), atan2, erf, expm1") {
    check_second_order(
        tt::pow(x + 1.5, y) + tt::atan2(y, x + 0.5) * tt::erf(x) + tt::expm1(0.5 * y) * x, x, y);
  }
  SUBCASE("piecewise: where, max, min, abs, relu away from their kinks") {
    check_second_order(tt::where(x > 0.0, x * x * y, -x) + tt::max(x * y, y) * tt::min(x, 2.0) +
                           tt::abs(y) * x + tt::relu(x) * tt::square(y),
                       x, y);
  }
  SUBCASE("a let (inlined per use) and a Rosenbrock function") {
    auto h = tt::let<"h">(y - x * x);
    check_second_order(100.0 * tt::square(h) + tt::square(1.0 - x), x, y);
    const auto H = tt::hessian(100.0 * tt::square(h) + tt::square(1.0 - x), std::tie(x, y));
    // analytic: [[1200 x^2 - 400 y + 2, -400 x], [-400 x, 200]]
    CHECK(H[0][0] == doctest::Approx(1200 * 0.49 + 480 + 2).epsilon(1e-13));
    CHECK(H[0][1] == doctest::Approx(-280).epsilon(1e-13));
    CHECK(H[1][1] == doctest::Approx(200).epsilon(1e-13));
  }
}

TEST_CASE("hessian of one source; float; another variable is a constant at its current value") {
  tt::variable<"x", float> x{0.5f};
  const auto H = tt::hessian(tt::sin(x) * x, x);
  CHECK(H[0][0] == doctest::Approx(2 * std::cos(0.5) - 0.5 * std::sin(0.5)).epsilon(1e-6));
  tt::variable<"a"> a{0.9};
  tt::variable<"c"> c{3.0};
  const auto Ha = tt::hessian(tt::exp(a * c), a);  // d2/da2 = c^2 exp(a c)
  CHECK(Ha[0][0] == doctest::Approx(9.0 * std::exp(2.7)).epsilon(1e-14));
  CHECK(tt::hvp(tt::exp(a * c), a, 2.0) == doctest::Approx(18.0 * std::exp(2.7)).epsilon(1e-14));
}

TEST_CASE("jacobian: one row per target, each the target's gradient") {
  tt::variable<"x"> x{0.4};
  tt::variable<"y"> y{2.5};
  auto f = x * tt::exp(y);
  auto g = tt::sin(x) + y * y;
  const auto J = tt::jacobian(std::tie(f, g), std::tie(x, y));
  CHECK(std::get<0>(J[0]) == doctest::Approx(std::exp(2.5)).epsilon(1e-15));
  CHECK(std::get<1>(J[0]) == doctest::Approx(0.4 * std::exp(2.5)).epsilon(1e-15));
  CHECK(std::get<0>(J[1]) == doctest::Approx(std::cos(0.4)).epsilon(1e-15));
  CHECK(std::get<1>(J[1]) == doctest::Approx(5.0).epsilon(1e-15));
}

TEST_CASE("dual numbers: each rule against a difference quotient of the function") {
  using D = tt::dual<double>;
  const double a = 0.37, e = 1e-6;
  auto check = [&](const char* what, auto f, double at) {
    const D r = f(D(at, 1.0));
    INFO(what);
    CHECK(r.v == doctest::Approx(f(D(at)).v).epsilon(1e-15));
    CHECK(r.d == doctest::Approx((f(D(at + e)).v - f(D(at - e)).v) / (2 * e)).epsilon(1e-7));
  };
  check(
      "exp", [](D t) { return exp(t); }, a);
  check(
      "log", [](D t) { return log(t); }, a);
  check(
      "sqrt", [](D t) { return sqrt(t); }, a);
  check(
      "sin", [](D t) { return sin(t); }, a);
  check(
      "cos", [](D t) { return cos(t); }, a);
  check(
      "tan", [](D t) { return tan(t); }, a);
  check(
      "tanh", [](D t) { return tanh(t); }, a);
  check(
      "abs", [](D t) { return abs(t); }, -a);
  check(
      "log1p", [](D t) { return log1p(t); }, a);
  check(
      "expm1", [](D t) { return expm1(t); }, a);
  check(
      "erf", [](D t) { return erf(t); }, a);
  check(
      "pow base", [](D t) { return pow(t, D(2.5)); }, a);
  check(
      "pow exponent", [](D t) { return pow(D(1.7), t); }, a);
  check(
      "atan2 y", [](D t) { return atan2(t, D(0.8)); }, a);
  check(
      "atan2 x", [](D t) { return atan2(D(0.8), t); }, a);
  check(
      "division", [](D t) { return D(2.0) / (t * t + 1.0); }, a);
  CHECK(floor(D(1.5, 1.0)).d == 0.0);
  CHECK(static_cast<int>(D(2.7, 1.0)) == 2);
}

TEST_CASE("custom_vjp: the user's VJP replaces the op's, and the value is the forward function's") {
  tt::variable<"x"> x{3.0};
  tt::variable<"y"> y{-2.0};
  // gradient clipping: identity forward, the adjoint clamped to [-1, 1]
  auto clip = [](const auto& e) {
    return tt::custom_vjp([](double a) { return a; },
                          [](double, double, double g) { return std::clamp(g, -1.0, 1.0); }, e);
  };
  CHECK(tt::eval(clip(x * x)) == 9.0);
  CHECK(tt::gradient(clip(x * x), x) == 6.0);        // the adjoint 1 is inside [-1, 1]: 2x = 6
  CHECK(tt::gradient(5.0 * clip(x * x), x) == 6.0);  // g = 5 is clipped to 1, then times 2x
  // a numerically stable softplus with its VJP written by hand, against finite differences
  auto softplus = [](const auto& e) {
    return tt::custom_vjp(
        [](double a) { return a > 0 ? a + std::log1p(std::exp(-a)) : std::log1p(std::exp(a)); },
        [](double a, double, double g) { return g / (1.0 + std::exp(-a)); }, e);
  };
  ttest::gradcheck(softplus(x * y) + softplus(40.0 * y), x, y);
  CHECK(tt::eval(softplus(800.0 + x)) == 803.0);  // no overflow
  // two operands: the adjoints come back as a tuple, one per operand
  auto hyp = tt::custom_vjp(
      [](double a, double b) { return std::hypot(a, b); },
      [](double a, double b, double v, double g) { return std::tuple(g * a / v, g * b / v); }, x,
      y);
  CHECK(tt::eval(hyp) == doctest::Approx(std::sqrt(13.0)));
  ttest::gradcheck(hyp * x, x, y);
  // the analysis sees through it: y is differentiable, a stop_gradient inside still cuts
  static_assert(tt::differentiable_wrt<decltype(hyp), decltype(y)>);
  static_assert(tt::only_detached<decltype(clip(tt::stop_gradient(y))), decltype(y)>);
}

TEST_CASE(
    "forward mode where a zero tangent meets an infinite or 0/0 partial: 0, as reverse mode") {
  // At x = -1, relu(x) is 0 with tangent 0: sqrt's and atan2's partials there are infinite
  // or 0/0, and reverse mode's relu mask gives 0. Forward mode adds nothing for a zero
  // tangent (eval/dual.hpp), so jvp, hvp and hessian agree with gradient (not NaN).
  tt::variable<"x"> x{-1.0};
  tt::variable<"y"> y{0.5};
  const auto f = tt::sqrt(tt::relu(x)) * y + tt::atan2(tt::relu(x), tt::relu(x)) * y;
  const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
  CHECK(gx == 0.0);
  CHECK(gy == 0.0);  // sqrt(0) + atan2(0, 0) = 0
  const auto [val, dir] = tt::jvp(f, std::tie(x, y), std::tuple(1.0, 1.0));
  CHECK(val == 0.0);
  CHECK(dir == 0.0);
  const auto [hx, hy] = tt::hvp(f, std::tie(x, y), std::tuple(1.0, 1.0));
  CHECK(hx == 0.0);
  CHECK(hy == 0.0);
  const auto H = tt::hessian(f, std::tie(x, y));
  for (const auto& row : H)
    for (double h : row) CHECK(h == 0.0);
  // pow with a constant exponent at base 0: d/dy of 0^-1 * y would be inf; forward mode
  // along x alone does not touch it
  tt::variable<"b"> b{2.0};
  const auto p = tt::pow(b, -1.0);
  CHECK(std::get<1>(tt::jvp(p, b, 1.0)) == doctest::Approx(-0.25));
}
