// Loops over tensors (ops/loop.hpp with <typetape/tensor.hpp>): tt::at on tensor
// variables (adjoints written into the right elements), tt::map_over, a fold whose state
// is a tensor (a 1-D heat equation), 2-D indexing, loops inside scan cells and beside
// tensor ops; against analytic derivatives and finite differences.
#include <cmath>
#include <vector>

#include <typetape/nn.hpp>

#include "tensor_check.hpp"

namespace {
using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using ttest::tensor_gradcheck;

T1 random1(std::size_t n, double lo, double hi, unsigned seed) {
  ttest::sampler s{std::mt19937_64{seed}};
  T1 t = T1::from_shape({n});
  for (auto& v : t) v = s(lo, hi);
  return t;
}
}  // namespace

TEST_CASE("tt::at on a tensor variable: each element's adjoint in its place, beside tensor ops") {
  for (std::size_t n : {0u, 1u, 7u, 300u}) {
    INFO("n = ", n);
    tt::variable<"w", T1> w{random1(n, -1, 1, 1)};
    tt::variable<"d", T1> d{random1(n, 0.5, 1.5, 2)};
    auto loss = tt::sum_over<"i">(n, [&](auto i) { return tt::exp(tt::at(w, i) * tt::at(d, i)); }) +
                tt::sum(w * w);
    const auto [gw, gd] = tt::gradient(loss, std::tie(w, d));
    REQUIRE(gw.size() == n);
    REQUIRE(gd.size() == n);
    for (std::size_t k = 0; k < n; ++k) {
      const double e = std::exp(w.get()(k) * d.get()(k));
      CHECK(ttest::close(gw(k), e * d.get()(k) + 2 * w.get()(k), {1e-12, 0}));
      CHECK(ttest::close(gd(k), e * w.get()(k), {1e-12, 0}));
    }
    if (n > 0 && n < 10) tensor_gradcheck(loss, w, d);
  }
}

TEST_CASE("tt::map_over: a vector from a scalar body, into tensor ops") {
  const std::size_t n = 9;
  tt::variable<"a", T1> a{random1(n, -1, 1, 3)};
  tt::variable<"s"> s{0.7};
  const std::vector<double> x = {0.1, -0.4, 0.9, 1.3, -1.1, 0.2, 0.0, 0.5, -0.8};
  auto v = tt::map_over<"i">(n, [&](auto i) { return tt::tanh(tt::at(a, i) * tt::at(x, i) + s); });
  tensor_gradcheck(v, a, s);  // a tensor target, weighed by a random seed
  tensor_gradcheck(tt::sum(tt::square(v - 0.3)) +
                       tt::sum(tt::matmul(tt::reshape(v, {3, 3}), tt::reshape(v, {3, 3}))),
                   a, s);
}

TEST_CASE("tt::at with two indices: a quadratic form over nested loops") {
  const std::size_t n = 6;
  ttest::sampler smp{std::mt19937_64{5}};
  T2 m = T2::from_shape({n, n});
  for (auto& e : m) e = smp(-1, 1);
  tt::variable<"A", T2> A{m};
  tt::variable<"x", T1> x{random1(n, -1, 1, 6)};
  auto q = tt::sum_over<"i">(n, [&](auto i) {
    return tt::sum_over<"j">(n,
                             [&](auto j) { return tt::at(x, i) * tt::at(A, i, j) * tt::at(x, j); });
  });
  const auto [gA, gx] = tt::gradient(q, std::tie(A, x));
  for (std::size_t i = 0; i < n; ++i) {
    double g = 0;
    for (std::size_t j = 0; j < n; ++j) {
      CHECK(ttest::close(gA(i, j), x.get()(i) * x.get()(j), {1e-12, 0}));
      g += (m(i, j) + m(j, i)) * x.get()(j);
    }
    CHECK(ttest::close(gx(i), g, {1e-12, 1e-14}));
  }
}

TEST_CASE(
    "fold with a tensor state: a 1-D heat equation, d (final profile) / d (diffusion "
    "coefficients)") {
  for (std::size_t steps : {0u, 1u, 25u}) {
    INFO("steps = ", steps);
    const std::size_t n = 8;
    tt::variable<"D", T1> D{random1(n, 0.5, 1.5, 7)};
    const T1 u0 = xt::sin(xt::linspace<double>(0.0, 3.0, n));
    const double r = 0.2;
    auto uT = tt::fold<"t">(steps, u0, [&](auto u, auto) {
      return tt::map_over<"i">(n, [&](auto i) {
        return tt::at(u, i) +
               r * tt::at(D, i) *
                   (tt::at_or(0.0, u, i - 1) - 2.0 * tt::at(u, i) + tt::at_or(0.0, u, i + 1));
      });
    });
    const T1 target = xt::linspace<double>(0.0, 0.5, n);
    auto loss = tt::sum(tt::square(uT - target));
    if (steps == 0) {
      CHECK(xt::all(xt::equal(tt::gradient(loss, D), 0.0)));  // nothing reaches D in zero steps
    } else {
      tensor_gradcheck(loss, D);
    }
    tt::variable<"u0", T1> v0{u0};  // and the initial state as a source
    auto from_v0 = tt::fold<"t">(steps, v0, [&](auto u, auto) {
      return tt::map_over<"i">(n, [&](auto i) {
        return tt::at(u, i) * (1.0 - r * tt::at(D, i)) + r * tt::at_or(0.0, u, i + 1);
      });
    });
    tensor_gradcheck(tt::sum(tt::sin(from_v0)), v0, D);
  }
}

TEST_CASE("a loop inside a scan cell") {
  const std::size_t T = 6, H = 4;
  tt::variable<"v", T1> v{random1(H, -1, 1, 8)};
  tt::variable<"c"> c{0.3};
  const T1 xs = random1(T, -1, 1, 9);
  tt::variable<"h0", T1> h0{random1(H, -0.5, 0.5, 10)};
  auto cell = [&](const auto& h, const auto& x) {
    return tt::map_over<"k">(H,
                             [&](auto k) { return tt::tanh(tt::at(v, k) * tt::at(h, k) + c * x); });
  };
  auto hT = tt::scan<"rnn">(cell, h0, xs);
  tensor_gradcheck(tt::sum(tt::square(hT)), v, c, h0);
}

namespace {
/// A layer whose forward pass is a loop: a polynomial sum_k c_k x^k of run-time degree.
struct polynomial : tt::nn::layer<polynomial> {
  tt::variable<"poly.c", T1> c;
  explicit polynomial(std::size_t degree) : c{xt::linspace<double>(0.5, -0.5, degree + 1)} {}
  auto params() { return std::tie(c); }
  template <class X>
  auto forward(X&& x) const {
    return tt::sum_over<"k">(c.get().size(),
                             [&](auto k) { return tt::at(c, k) * tt::pow(x, k.as()); });
  }
};
}  // namespace

TEST_CASE("a layer whose forward pass is a loop (TT-E08's check sees through the body)") {
  polynomial p{4};
  tt::variable<"x"> x{0.7};
  auto y = p(x);
  const auto [gc] = tt::gradient(y, p.params());
  for (std::size_t k = 0; k < 5; ++k)
    CHECK(ttest::close(gc(k), std::pow(0.7, double(k)), {1e-14, 0}));
  tensor_gradcheck(tt::square(p(x)), p.c, x);
}
