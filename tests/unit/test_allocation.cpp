// Fixed-size scalar gradients allocate nothing: every global operator new is
// counted, and recording plus gradient must not move the counter.
#include <vector>

#include "count_new.hpp"
#include "gradcheck.hpp"

namespace {
using ttest::allocations;
}

TEST_CASE("the counter sees allocations (the test can fail)") {
  const std::size_t before = allocations;
  void* p = ::operator new(sizeof(int));  // a direct call, which no compiler elides
  ::operator delete(p);
  CHECK(allocations == before + 1);
}

TEST_CASE("record + gradient of scalar expressions: zero heap allocations") {
  tt::variable<"x"> x{0.7};
  tt::variable<"y"> y{-1.3};
  auto h = tt::let<"h">(tt::tanh(x * y) + tt::exp(x));
  auto loss = h * h + tt::log1p(tt::square(y)) * h;

  const std::size_t before = allocations;
  double gx = 0, gy = 0;
  for (int i = 0; i < 100; ++i) {
    auto [a, b] = tt::gradient(loss, std::tie(x, y));
    gx += a;
    gy += b;
  }
  auto t = tt::record<tt::persistent>(loss, h);
  gx += t.gradient(loss, x) + t.gradient(h, y);
  auto n = tt::record(loss);
  gy += std::move(n).gradient(loss, h);
  const auto [v, g] = tt::value_and_gradient(loss, std::tie(x, y));
  gx += v + std::get<0>(g);
  double ix = 0, iy = 0;
  tt::gradient_into(loss, std::tie(x, y), std::tie(ix, iy));
  gy += ix + iy;
  const std::size_t after = allocations;

  CHECK(after == before);
  CHECK(std::isfinite(gx + gy));
}

TEST_CASE("a loop over run-time data (tt::sum_over, nested, with lets): zero heap allocations") {
  tt::variable<"mu"> mu{0.2};
  tt::variable<"s"> s{1.1};
  std::vector<double> y(500);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(double(i));
  auto nll = tt::sum_over<"i">(y.size(), [&](auto i) {
    auto z = tt::let<"z">((tt::at(y, i) - mu) / s);
    return 0.5 * z * z + tt::log(s);
  });
  auto pairs = tt::sum_over<"i">(std::size_t{40}, [&](auto i) {
    return tt::sum_over<"j">(i + 1, std::size_t{40},
                             [&](auto j) { return tt::square(tt::at(y, i) * mu - tt::at(y, j)); });
  });
  const std::size_t before = allocations;
  auto [a, b] = tt::gradient(nll, std::tie(mu, s));
  auto t = tt::record<tt::persistent>(nll, pairs);
  const double c = t.gradient(nll, s) + t.gradient(pairs, mu);
  const std::size_t after = allocations;
  CHECK(after == before);
  CHECK(std::isfinite(a + b + c));
}
