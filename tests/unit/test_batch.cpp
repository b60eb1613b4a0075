// Gradients at many points at once (xsimd batches with a scalar tail), against
// analytic derivatives; the allocation-free entry point; the usual diagnostics.
#include <typetape/tensor.hpp>

#include "gradcheck.hpp"

TEST_CASE("batch_gradient of a 2-D potential matches the analytic gradient at every point") {
  tt::variable<"x"> x;
  tt::variable<"y"> y;
  tt::variable<"k"> k{0.7};  // not a source: keeps its current value at every point
  auto e = tt::exp(-(x * x + y * y)) + k * x * tt::sin(y) + tt::max(x, 0.25);
  for (std::size_t n : {0u, 1u, 2u, 7u, 8u, 9u, 33u}) {  // empty, tail only, full batches + tail
    std::vector<double> xs(n), ys(n);
    ttest::sampler s;
    for (std::size_t i = 0; i < n; ++i) xs[i] = s(-1, 1), ys[i] = s(-1, 1);
    const auto [gx, gy] = tt::batch_gradient(e, std::tie(x, y), xs, ys);
    REQUIRE(gx.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      const double a = xs[i], b = ys[i], ex = std::exp(-(a * a + b * b));
      INFO("n = ", n, ", point ", i);
      CHECK(gx[i] ==
            doctest::Approx(-2 * a * ex + 0.7 * std::sin(b) + (a >= 0.25 ? 1 : 0)).epsilon(1e-14));
      CHECK(gy[i] == doctest::Approx(-2 * b * ex + 0.7 * a * std::cos(b)).epsilon(1e-14));
    }
  }
}

TEST_CASE("batch_gradient with one source returns one array; lets are evaluated per point") {
  tt::variable<"r"> r;
  auto r2 = tt::let<"r2">(r * r);
  auto lj = 4.0 * (tt::pow(r2, -6.0) - tt::pow(r2, -3.0));  // Lennard-Jones in r^2
  std::vector<double> rs{0.9, 1.0, 1.1, 1.2, 1.5, 2.0, 2.5};
  const std::vector<double> g = tt::batch_gradient(lj, r, rs);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const double q = rs[i];
    CHECK(g[i] ==
          doctest::Approx(4 * (-12 * std::pow(q, -13) + 6 * std::pow(q, -7))).epsilon(1e-13));
  }
}

TEST_CASE("batch_gradient_into writes into caller's arrays, and checks their lengths") {
  tt::variable<"x"> x;
  auto e = tt::tanh(x) * x;
  std::vector<double> xs{0.1, 0.2, 0.3, 0.4, 0.5}, out(5);
  tt::batch_gradient_into(e, x, std::array{std::span<const double>(xs)},
                          std::array{std::span<double>(out)});
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double t = std::tanh(xs[i]);
    CHECK(out[i] == doctest::Approx(t + xs[i] * (1 - t * t)).epsilon(1e-14));
  }
  std::vector<double> shorter(3);
  CHECK_THROWS_AS(tt::batch_gradient_into(e, x, std::array{std::span<const double>(xs)},
                                          std::array{std::span<double>(shorter)}),
                  tt::shape_error);
}

TEST_CASE("batch_gradient in single precision") {
  tt::variable<"x", float> x;
  auto e = tt::sin(x) * x;
  std::vector<float> xs;
  for (int i = 0; i < 21; ++i) xs.push_back(0.1f * float(i));
  const std::vector<float> g = tt::batch_gradient(e, x, xs);
  for (std::size_t i = 0; i < xs.size(); ++i)
    CHECK(g[i] == doctest::Approx(std::cos(xs[i]) * xs[i] + std::sin(xs[i])).epsilon(1e-6));
}

TEST_CASE("batch_gradient w.r.t. a let: the points are the let's values") {
  tt::variable<"x"> x{0.3};
  auto h = tt::let<"h">(x * x);
  auto e = tt::sin(h) * 2.0;
  const std::vector<double> hs{0.1, 0.5, 1.0, 2.0, 3.0};
  const std::vector<double> g = tt::batch_gradient(e, h, hs);
  for (std::size_t i = 0; i < hs.size(); ++i)
    CHECK(g[i] == doctest::Approx(2 * std::cos(hs[i])).epsilon(1e-14));
}

TEST_CASE("batch_gradient of a long sum (a + chain, summed on SIMD lanes)") {
  tt::variable<"x"> x;
  tt::variable<"y"> y;
  auto e = tt::sum_of(tt::square(x), x * y, -tt::sin(y), tt::exp(x * 0.5), y * y * y, -3.0);
  static_assert(tt::detail::is_chain<decltype(e)>);
  std::vector<double> xs(19), ys(19);
  ttest::sampler s;
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = s(-1, 1), ys[i] = s(-1, 1);
  const auto [gx, gy] = tt::batch_gradient(e, std::tie(x, y), xs, ys);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double a = xs[i], b = ys[i];
    CHECK(gx[i] == doctest::Approx(2 * a + b + 0.5 * std::exp(0.5 * a)).epsilon(1e-14));
    CHECK(gy[i] == doctest::Approx(a - std::cos(b) + 3 * b * b).epsilon(1e-14));
  }
}
