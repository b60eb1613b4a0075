// Loops with a run-time trip count (ops/loop.hpp): tt::sum_over, tt::fold, tt::at on
// data, nesting, lets in bodies, against analytic derivatives and finite differences.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "gradcheck.hpp"

namespace {

using ttest::gradcheck;

std::vector<double> data(std::size_t n, double lo = -1.5, double hi = 2.5) {
  ttest::sampler s;
  std::vector<double> y(n);
  for (double& v : y) v = s(lo, hi);
  return y;
}
using ttest::thrown;

}  // namespace

TEST_CASE("sum_over: a normal negative log-likelihood over n = 0, 1, 7, 1000 data") {
  for (std::size_t n : {0u, 1u, 7u, 1000u}) {
    INFO("n = ", n);
    tt::variable<"mu"> mu{0.3};
    tt::variable<"sigma"> sigma{1.2};
    const std::vector<double> y = data(n);
    auto nll = tt::sum_over<"i">(y.size(), [&](auto i) {
      return 0.5 * tt::square((tt::at(y, i) - mu) / sigma) + tt::log(sigma);
    });
    // the analytic gradient
    double gmu = 0, gsigma = 0, value = 0;
    for (double v : y) {
      const double z = (v - 0.3) / 1.2;
      value += 0.5 * z * z + std::log(1.2);
      gmu += -z / 1.2;
      gsigma += -z * z / 1.2 + 1 / 1.2;
    }
    const auto [a, b] = tt::gradient(nll, std::tie(mu, sigma));
    CHECK(ttest::close(tt::eval(nll), value, {1e-12, 1e-12}));
    CHECK(ttest::close(a, gmu, {1e-12, 1e-12}));
    CHECK(ttest::close(b, gsigma, {1e-12, 1e-12}));
    if (n > 0) gradcheck(nll, mu, sigma);
  }
}

TEST_CASE("sum_over as one term of a loss: not run forward when nothing reads its value") {
  // -0.5 q - n log(sigma): tt::gradient runs the loop once (backward), and the gradient is
  // the analytic one; q / sigma reads q's value (through the division's adjoint for sigma)
  tt::variable<"mu"> mu{0.3};
  tt::variable<"sigma"> sigma{1.2};
  const std::vector<double> y = data(37);
  auto q = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::square(tt::at(y, i) - mu); });
  double Q = 0, dQ = 0;
  for (double v : y) Q += (v - 0.3) * (v - 0.3), dQ -= 2 * (v - 0.3);
  const double n = double(y.size());
  auto term = -0.5 * q - n * tt::log(sigma);
  const auto [a, b] = tt::gradient(term, std::tie(mu, sigma));
  CHECK(ttest::close(a, -0.5 * dQ, {1e-12, 1e-12}));
  CHECK(ttest::close(b, -n / 1.2, {1e-12, 1e-12}));
  auto ratio = q / sigma;
  const auto [c, d] = tt::gradient(ratio, std::tie(mu, sigma));
  CHECK(ttest::close(c, dQ / 1.2, {1e-12, 1e-12}));
  CHECK(ttest::close(d, -Q / (1.2 * 1.2), {1e-12, 1e-12}));
  gradcheck(term, mu, sigma);
}

TEST_CASE("sum_over: float data and float variables") {
  tt::variable<"w", float> w{0.5f};
  const std::vector<float> x{1.0f, -2.0f, 0.5f, 3.0f};
  auto loss = tt::sum_over<"i">(x.size(), [&](auto i) { return tt::sin(w * tt::at(x, i)); });
  float expect = 0;
  for (float v : x) expect += v * std::cos(0.5f * v);
  static_assert(std::is_same_v<decltype(tt::gradient(loss, w)), float>);
  CHECK(tt::gradient(loss, w) == doctest::Approx(expect).epsilon(1e-5));
}

TEST_CASE("sum_over: nested, triangular (j from i + 1), with a let in the inner body") {
  for (std::size_t n : {0u, 1u, 2u, 7u, 60u}) {
    INFO("n = ", n);
    tt::variable<"a"> a{0.7};
    tt::variable<"b"> b{-0.4};
    const std::vector<double> x = data(n);
    auto pairs = tt::sum_over<"i">(x.size(), [&](auto i) {
      return tt::sum_over<"j">(i + 1, x.size(), [&](auto j) {
        auto d = tt::let<"d">(tt::at(x, i) * a - tt::at(x, j) * b);
        return tt::square(d) + tt::sin(d);
      });
    });
    double ga = 0, gb = 0, value = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        const double d = x[i] * 0.7 - x[j] * -0.4;
        value += d * d + std::sin(d);
        ga += (2 * d + std::cos(d)) * x[i];
        gb += (2 * d + std::cos(d)) * -x[j];
      }
    const auto [da, db] = tt::gradient(pairs, std::tie(a, b));
    CHECK(ttest::close(tt::eval(pairs), value, {1e-12, 1e-12}));
    CHECK(ttest::close(da, ga, {1e-12, 1e-12}));
    CHECK(ttest::close(db, gb, {1e-12, 1e-12}));
    if (n > 1) gradcheck(pairs, a, b);
  }
}

TEST_CASE("sum_over: inside a let, beside other terms, with the index as a value") {
  tt::variable<"k"> k{0.8};
  const std::vector<double> x = data(25);
  auto s = tt::let<"s">(
      tt::sum_over<"i">(x.size(), [&](auto i) { return tt::exp(-k * i.as()) * tt::at(x, i); }));
  auto loss = tt::square(s) + tt::sqrt(s * s + 1.0) * k;
  gradcheck(loss, k);
  // and the let itself as a source: d loss / d s
  const double sv = tt::eval(s);
  CHECK(ttest::close(tt::gradient(loss, s), 2 * sv + sv / std::sqrt(sv * sv + 1) * 0.8,
                     {1e-12, 1e-12}));
}

TEST_CASE("fold: a scalar recurrence over 0, 1, 7, 1000 steps") {
  for (std::size_t steps : {0u, 1u, 7u, 1000u}) {
    INFO("steps = ", steps);
    tt::variable<"x0"> x0{0.4};
    tt::variable<"r"> r{0.9};
    const std::vector<double> f = data(steps, 0.0, 1.0);
    auto xT = tt::fold<"t">(
        steps, x0, [&](auto x, auto t) { return x + 0.01 * tt::sin(r * x + tt::at(f, t)); });
    gradcheck(xT, x0, r);
    // a linear recurrence against its closed form: x_T = a^T x0
    tt::variable<"a"> a{0.999};
    auto lin = tt::fold<"t">(steps, x0, [&](auto x, auto) { return a * x; });
    const auto [g0, ga] = tt::gradient(lin, std::tie(x0, a));
    const double T = double(steps);
    CHECK(ttest::close(g0, std::pow(0.999, T), {1e-12, 0}));
    CHECK(ttest::close(ga, T * std::pow(0.999, T - 1) * 0.4, {1e-11, 1e-300}));
  }
}

TEST_CASE("tt::at_or reads a fill value outside the range, with no gradient there") {
  tt::variable<"c"> c{1.3};
  const std::vector<double> u = data(9);
  auto smooth = tt::sum_over<"i">(u.size(), [&](auto i) {
    return tt::square(c * tt::at(u, i) - tt::at_or(0.0, u, i - 1) - tt::at_or(0.0, u, i + 1));
  });
  double g = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const double l = i > 0 ? u[i - 1] : 0.0, r = i + 1 < u.size() ? u[i + 1] : 0.0;
    g += 2 * (1.3 * u[i] - l - r) * u[i];
  }
  CHECK(ttest::close(tt::gradient(smooth, c), g, {1e-12, 1e-12}));
}

TEST_CASE("an index out of range throws tt::shape_error naming the index and the length") {
  tt::variable<"m"> m{1.0};
  const std::vector<double> y = data(7);
  auto bad = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::at(y, i + 1) * m; });
  CHECK(thrown([&] { (void)tt::gradient(bad, m); }) ==
        "TT-E12: tt::at: index 7 is out of range for axis 0 of length 7.");
  CHECK(thrown([&] { (void)tt::eval(bad); }) ==
        "TT-E12: tt::at: index 7 is out of range for axis 0 of length 7.");
  auto before = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::at(y, i - 2) * m; });
  CHECK(thrown([&] { (void)tt::eval(before); }) ==
        "TT-E12: tt::at: index -2 is out of range for axis 0 of length 7.");
}

TEST_CASE(
    "a persistent tape of a loop: the values at recording, or TT-E11 when a variable changed") {
  tt::variable<"m"> m{0.5};
  const std::vector<double> y = data(30);
  auto loss = tt::sum_over<"i">(y.size(), [&](auto i) { return tt::exp(m * tt::at(y, i)); });
  auto t = tt::record<tt::persistent>(loss);
  double g = 0;
  for (double v : y) g += v * std::exp(0.5 * v);
  CHECK(ttest::close(t.gradient(loss, m), g, {1e-12, 0}));
  CHECK(ttest::close(t.gradient(loss, m), g, {1e-12, 0}));  // asked twice
  m = 0.6;
  CHECK(thrown([&] {
          (void)t.gradient(loss, m);
        }).starts_with("TT-E11: the variable \"m\" was assigned"));
  m = 0.5;  // the recorded value again: nothing changed for this recording
  CHECK(ttest::close(t.gradient(loss, m), g, {1e-12, 0}));
}

TEST_CASE("the analysis sees through a loop's body (the checks as traits)") {
  tt::variable<"w"> w{1.0};
  tt::variable<"v"> v{2.0};
  tt::variable<"u"> u{3.0};
  const std::vector<double> y{1, 2, 3};
  auto live =
      tt::sum_over<"i">(y.size(), [&](auto i) { return w * tt::at(y, i) + tt::stop_gradient(v); });
  using L = decltype(live);
  static_assert(tt::differentiable_wrt<L, tt::variable<"w">>);
  static_assert(tt::only_detached<L, tt::variable<"v">>);
  static_assert(!tt::uses<L, tt::variable<"u">>);
  auto f = tt::fold<"t">(3, u, [&](auto x, auto) { return w * 2.0 + 0.0 * tt::stop_gradient(x); });
  using F = decltype(f);
  static_assert(tt::differentiable_wrt<F, tt::variable<"w">>);
  static_assert(!tt::differentiable_wrt<F, tt::variable<"u">>);  // the cell never reads its state
  // a let inside a body is per iteration: not a source of the loop
  auto with_let =
      tt::sum_over<"i">(y.size(), [&](auto i) { return tt::let<"h">(w * tt::at(y, i)) * 2.0; });
  static_assert(!tt::uses<decltype(with_let), decltype(tt::let<"h">(w * 1.0))>);
  CHECK(tt::gradient(with_let, w) == doctest::Approx(12.0));
  (void)u;
}

TEST_CASE(
    "a let that does not vary with the index is hoisted: computed once, a source, beside "
    "per-iteration lets") {
  tt::variable<"mu"> mu{0.4};
  tt::variable<"sigma"> sigma{1.3};
  const std::vector<double> y = data(50);
  auto inv = tt::let<"inv">(1.0 / sigma);  // outside the body: loop-invariant
  auto q = tt::sum_over<"i">(y.size(), [&](auto i) {
    auto z = tt::let<"z">((tt::at(y, i) - mu) * inv);  // varies with i: one per iteration
    return z * z;
  });
  using info = tt::detail::body_info<tt::name<'i'>, typename decltype(q)::loop_body>;
  static_assert(info::hoisted::size == 1 && info::lets::size == 1);
  auto nll = 0.5 * q + double(y.size()) * tt::log(sigma);
  gradcheck(nll, mu, sigma);
  double ginv = 0;
  for (double v : y) ginv += 0.5 * 2 * (v - 0.4) * (v - 0.4) / 1.3;
  CHECK(ttest::close(tt::gradient(nll, inv), ginv, {1e-12, 0}));
  // a let that varies with the outer index only: hoisted out of the inner loop, one per i
  auto nested = tt::sum_over<"i">(std::size_t{12}, [&](auto i) {
    auto yi = tt::let<"yi">(tt::exp(tt::at(y, i) * mu));
    return tt::sum_over<"j">(std::size_t{12}, [&](auto j) { return yi * tt::at(y, j) * sigma; });
  });
  using outer = tt::detail::body_info<tt::name<'i'>, typename decltype(nested)::loop_body>;
  static_assert(outer::lets::size == 1 && outer::hoisted::size == 0);
  gradcheck(nested, mu, sigma);
}
