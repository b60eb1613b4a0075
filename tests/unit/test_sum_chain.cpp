// Long sums (core/sum_chain.hpp): `+`/`-` chains and tt::sum_of keep their terms in a
// balanced tree, yet give the value of the left-to-right sum bit for bit, and the same
// gradients, Hessians and forward-mode derivatives; checked against plain loops,
// analytic derivatives and finite differences.
#include <cmath>
#include <cstring>
#include <utility>

#include "gradcheck.hpp"

namespace {
using ttest::gradcheck;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// The k-th term of the test sums, as an expression and as a number.
template <class X, class Y>
auto term_expr(std::size_t k, const X& x, const Y& y) {
  const double c = 1.0 + 0.01 * double(k);
  return tt::sin(x * c - y) * c;
}
double term_value(std::size_t k, double x, double y) {
  const double c = 1.0 + 0.01 * double(k);
  return std::sin(x * c - y) * c;
}

}  // namespace

TEST_CASE(
    "a + chain is a chain past 16 terms, and its value is the left-to-right sum, bit for bit") {
  tt::variable<"x"> x{0.37};
  tt::variable<"y"> y{-1.2};
  auto three = x * y + tt::exp(x) - tt::sin(y);  // short sums stay binary nodes
  static_assert(!tt::detail::is_chain<decltype(three)>);
  auto sixteen = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return (... + term_expr(K, x, y));
  }
  (std::make_index_sequence<16>{});
  static_assert(!tt::detail::is_chain<decltype(sixteen)>);
  auto seventeen = sixteen - tt::sin(y);  // the left-deep spine becomes ropes
  static_assert(tt::detail::is_chain<decltype(seventeen)>);
  double v17 = 0;
  for (std::size_t k = 0; k < 16; ++k)
    v17 = k == 0 ? term_value(k, 0.37, -1.2) : v17 + term_value(k, 0.37, -1.2);
  CHECK(same_bits(tt::eval(seventeen), v17 - std::sin(-1.2)));
  gradcheck(seventeen, x, y);

  // 100 terms by a left fold: a chain pushed 98 times, runs merged as a binary counter
  auto chain = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return (... + term_expr(K, x, y));
  }
  (std::make_index_sequence<100>{});
  static_assert(tt::detail::is_chain<decltype(chain)>);
  double value = 0, gx = 0, gy = 0;
  for (std::size_t k = 0; k < 100; ++k) {
    const double c = 1.0 + 0.01 * double(k);
    value = k == 0 ? term_value(k, 0.37, -1.2) : value + term_value(k, 0.37, -1.2);
    gx += std::cos(0.37 * c + 1.2) * c * c;
    gy -= std::cos(0.37 * c + 1.2) * c;
  }
  CHECK(same_bits(tt::eval(chain), value));
  const auto [dx, dy] = tt::gradient(chain, std::tie(x, y));
  CHECK(ttest::close(dx, gx, {1e-13, 0}));
  CHECK(ttest::close(dy, gy, {1e-13, 0}));
}

TEST_CASE("tt::sum_of: one n-ary node, the same value and gradient as the + chain") {
  tt::variable<"x"> x{0.8};
  tt::variable<"y"> y{0.1};
  auto n_ary = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return tt::sum_of(term_expr(K, x, y)...);
  }
  (std::make_index_sequence<77>{});
  auto chain = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return (... + term_expr(K, x, y));
  }
  (std::make_index_sequence<77>{});
  CHECK(same_bits(tt::eval(n_ary), tt::eval(chain)));
  const auto [a, b] = tt::gradient(n_ary, std::tie(x, y));
  const auto [c, d] = tt::gradient(chain, std::tie(x, y));
  CHECK(same_bits(a, c));
  CHECK(same_bits(b, d));
  gradcheck(n_ary, x, y);
  // numbers join as constants; one term is the term itself
  CHECK(tt::eval(tt::sum_of(x, 2.0, y * y, 1)) ==
        doctest::Approx(0.8 + 2.0 + 0.01 + 1.0).epsilon(1e-15));
  CHECK(tt::gradient(tt::sum_of(x * x), x) == doctest::Approx(1.6));
}

TEST_CASE("a chain with lets, a persistent tape, a source inside a term") {
  tt::variable<"x"> x{1.1};
  tt::variable<"y"> y{0.4};
  auto h = tt::let<"h">(x * y);
  auto loss = tt::sum_of(tt::square(h), -tt::sin(h), h * x, tt::log(x), -y);
  static_assert(tt::detail::is_chain<decltype(loss)>);
  gradcheck(loss, x, y);
  auto t = tt::record<tt::persistent>(loss);
  const double hv = 1.1 * 0.4;
  CHECK(ttest::close(t.gradient(loss, h), 2 * hv - std::cos(hv) + 1.1, {1e-14, 0}));
  CHECK(ttest::close(t.gradient(loss, y), (2 * hv - std::cos(hv) + 1.1) * 1.1 - 1, {1e-14, 0}));
}

TEST_CASE("terms of another type do not join a chain (float + double stays a node, and is right)") {
  tt::variable<"f", float> f{0.5f};
  tt::variable<"d"> d{0.25};
  auto mixed = f * f + f + d * d;  // float, float, then a double term
  static_assert(!tt::detail::is_chain<decltype(mixed)>);
  CHECK(tt::eval(mixed) == doctest::Approx(0.25 + 0.5 + 0.0625));
  auto floats = tt::sum_of(f * f, f, tt::exp(f), -1.0f);
  static_assert(tt::detail::is_chain<decltype(floats)>);
  CHECK(tt::gradient(floats, f) == doctest::Approx(1.0f + 1.0f + std::exp(0.5f)).epsilon(1e-6));
}

TEST_CASE("second order and forward mode through a chain") {
  tt::variable<"x"> x{0.3};
  tt::variable<"y"> y{0.9};
  auto f = tt::sum_of(tt::square(x) * y, tt::sin(x * y), -tt::exp(y), x * x * x, 2.0);
  const auto H = tt::hessian(f, std::tie(x, y));
  const double s = std::sin(0.27), c = std::cos(0.27);
  CHECK(H[0][0] == doctest::Approx(2 * 0.9 - 0.81 * s + 6 * 0.3).epsilon(1e-13));
  CHECK(H[0][1] == doctest::Approx(2 * 0.3 + c - 0.27 * s).epsilon(1e-13));
  CHECK(H[1][1] == doctest::Approx(-0.09 * s - std::exp(0.9)).epsilon(1e-13));
  const auto [val, dir] = tt::jvp(f, std::tie(x, y), std::tuple(1.0, 2.0));
  const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
  CHECK(val == doctest::Approx(tt::eval(f)).epsilon(1e-15));
  CHECK(dir == doctest::Approx(gx + 2 * gy).epsilon(1e-14));
}
