// <typetape/parallel.hpp>: gradients over shards on oneTBB's threads. The values are checked
// against analytic gradients and the serial functions; the guarantee (bitwise the same for
// any number of threads) by running each on 1, 2 and 4 threads.
#include <typetape/parallel.hpp>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <cmath>
#include <cstring>
#include <doctest/doctest.h>
#include <random>
#include <stdexcept>

#include "tensor_check.hpp"

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

/// f on k threads (more than this machine's cores, if need be: TBB's limit raised to k).
template <class F>
auto on_threads(int k, F&& f) {
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(k));
  oneapi::tbb::task_arena arena(k);
  return arena.execute(std::forward<F>(f));
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(const T1& a, const T1& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
bool same_bits(const T2& a, const T2& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("reduce_sum: least squares over 1,000 rows, analytic gradient, any thread count") {
  std::mt19937_64 rng{11};
  std::normal_distribution<double> N;
  const std::size_t n = 1000, d = 5;
  T2 X = T2::from_shape({n, d});
  T1 y = T1::from_shape({n});
  for (auto& v : X) v = N(rng);
  for (auto& v : y) v = N(rng);
  T1 w0 = T1::from_shape({d});
  for (auto& v : w0) v = N(rng);
  tt::variable<"w", T1> w{w0};
  tt::variable<"bias"> bias{0.25};

  // the loss of rows [b, e): one expression type for every shard
  auto shard = [&](std::size_t b, std::size_t e) {
    return tt::sum(tt::square(tt::matmul(xt::view(X, xt::range(b, e), xt::all()), w) + bias -
                              xt::view(y, xt::range(b, e))));
  };
  const auto params = std::tie(w, bias);
  const auto one = on_threads(1, [&] { return tt::parallel::reduce_sum(n, shard, params); });

  // analytic: r = X w + b - y; loss = sum r^2; d/dw = 2 X^T r, d/db = 2 sum r
  T1 r = xt::zeros<double>({n});
  for (std::size_t i = 0; i < n; ++i) {
    r(i) = bias.get() - y(i);
    for (std::size_t k = 0; k < d; ++k) r(i) += X(i, k) * w.get()(k);
  }
  double loss = 0, gb = 0;
  T1 gw = xt::zeros<double>({d});
  for (std::size_t i = 0; i < n; ++i) {
    loss += r(i) * r(i);
    gb += 2 * r(i);
    for (std::size_t k = 0; k < d; ++k) gw(k) += 2 * X(i, k) * r(i);
  }
  CHECK(one.value == doctest::Approx(loss).epsilon(1e-12));
  CHECK(std::get<1>(one.gradient) == doctest::Approx(gb).epsilon(1e-12).scale(1));
  for (std::size_t k = 0; k < d; ++k)
    CHECK(std::get<0>(one.gradient)(k) == doctest::Approx(gw(k)).epsilon(1e-12));

  // the serial gradient of the whole range, one shard: equal to rounding
  const auto whole = tt::gradient(shard(0, n), params);
  CHECK(xt::allclose(std::get<0>(whole), std::get<0>(one.gradient), 1e-12, 0));

  // bitwise the same on 2 and 4 threads, with the default grain and a given one
  for (int k : {2, 4}) {
    const auto many = on_threads(k, [&] { return tt::parallel::reduce_sum(n, shard, params); });
    CHECK(same_bits(many.value, one.value));
    CHECK(same_bits(std::get<0>(many.gradient), std::get<0>(one.gradient)));
    CHECK(same_bits(std::get<1>(many.gradient), std::get<1>(one.gradient)));
  }
  const tt::parallel::options o{.grain = 37};
  const auto g1 = on_threads(1, [&] { return tt::parallel::reduce_sum(n, shard, params, o); });
  const auto g4 = on_threads(4, [&] { return tt::parallel::reduce_sum(n, shard, params, o); });
  CHECK(same_bits(std::get<0>(g1.gradient), std::get<0>(g4.gradient)));
  CHECK(g1.value == doctest::Approx(loss).epsilon(1e-12));

  // the gradient alone: the same guarantee, the same numbers
  const auto s1 = on_threads(1, [&] { return tt::parallel::sum_gradient(n, shard, params); });
  const auto s4 = on_threads(4, [&] { return tt::parallel::sum_gradient(n, shard, params); });
  CHECK(same_bits(std::get<0>(s1), std::get<0>(s4)));
  CHECK(same_bits(std::get<1>(s1), std::get<1>(s4)));
  CHECK(xt::allclose(std::get<0>(s1), gw, 1e-12, 0));
  CHECK(std::get<1>(s1) == doctest::Approx(gb).epsilon(1e-12));
}

TEST_CASE("reduce_sum: an exception in a shard reaches the caller, nothing is written") {
  T2 X = xt::ones<double>({100, 3});
  tt::variable<"w", T1> w{T1{1.0, 2.0}};  // two weights for three columns
  const T1 before = w.get();
  auto shard = [&](std::size_t b, std::size_t e) {
    return tt::sum(tt::matmul(xt::view(X, xt::range(b, e), xt::all()), w));
  };
  CHECK_THROWS_AS(on_threads(2, [&] { return tt::parallel::reduce_sum(100, shard, w); }),
                  tt::shape_error);
  CHECK(w.get() == before);
}

TEST_CASE("reduce_sum: no items is one empty shard") {
  T1 data = xt::arange<double>(10);
  tt::variable<"m"> m{0.5};
  auto shard = [&](std::size_t b, std::size_t e) {
    return tt::sum(tt::square(xt::view(data, xt::range(b, e)) - m));
  };
  const auto r = tt::parallel::reduce_sum(0, shard, m);
  CHECK(r.value == 0.0);
  CHECK(r.gradient == 0.0);
}

TEST_CASE("parallel batch_gradient_into: each point's gradient is the serial one, bit for bit") {
  tt::variable<"x"> x{0.0};
  tt::variable<"y"> y{0.0};
  auto f = tt::exp(x * y) + tt::log(1.0 + x * x) * tt::sin(y);
  const std::size_t n = 1003;  // not a multiple of the SIMD width
  std::vector<double> px(n), py(n), gx(n), gy(n), sx(n), sy(n);
  for (std::size_t i = 0; i < n; ++i) {
    px[i] = std::sin(0.01 * double(i));
    py[i] = std::cos(0.013 * double(i));
  }
  const std::array<std::span<const double>, 2> in{px, py};
  tt::batch_gradient_into(f, std::tie(x, y), in, std::array<std::span<double>, 2>{sx, sy});
  for (int k : {1, 2, 4}) {
    on_threads(k, [&] {
      tt::parallel::batch_gradient_into(f, std::tie(x, y), in,
                                        std::array<std::span<double>, 2>{gx, gy}, {.grain = 50});
    });
    CHECK(std::memcmp(gx.data(), sx.data(), n * sizeof(double)) == 0);
    CHECK(std::memcmp(gy.data(), sy.data(), n * sizeof(double)) == 0);
  }
  // and d/dx at point 7 is y e^{xy} + 2x sin(y) / (1 + x^2)
  const double a = px[7], b = py[7];
  CHECK(gx[7] == doctest::Approx(b * std::exp(a * b) + 2 * a * std::sin(b) / (1 + a * a)));
  std::vector<double> short_out(n - 1);
  CHECK_THROWS_AS(tt::parallel::batch_gradient_into(
                      f, std::tie(x, y), in, std::array<std::span<double>, 2>{gx, short_out}),
                  tt::shape_error);
}

TEST_CASE("parallel jacobian and hessian equal the serial ones, bit for bit") {
  tt::variable<"v", T1> v{T1{0.3, -1.2, 2.0, 0.7}};
  tt::variable<"M", T2> M{T2{{1.0, 0.5, -0.3, 0.2}, {0.1, -0.4, 0.9, 1.1}, {0.6, 0.0, 0.3, -0.8}}};
  auto y = tt::tanh(tt::matmul(M, v));
  const T2 serial = tt::jacobian(y, v);
  for (int k : {1, 2, 4}) {
    const T2 par = on_threads(k, [&] { return tt::parallel::jacobian(y, v, {.grain = 1}); });
    CHECK(same_bits(par, serial));
  }
  // d tanh(Mv)_i / d v_j = (1 - tanh^2) M_ij
  double mv2 = 0;
  for (std::size_t j = 0; j < 4; ++j) mv2 += M.get()(2, j) * v.get()(j);
  CHECK(serial(2, 3) == doctest::Approx((1 - std::tanh(mv2) * std::tanh(mv2)) * M.get()(2, 3)));

  tt::variable<"a"> a{0.4};
  tt::variable<"b"> b{1.3};
  tt::variable<"c"> c{-0.7};
  auto f = tt::exp(a * b) * tt::sin(c) + a * a * c;
  const auto hs = tt::hessian(f, std::tie(a, b, c));
  const auto hp = on_threads(2, [&] { return tt::parallel::hessian(f, std::tie(a, b, c)); });
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(same_bits(hp[i][j], hs[i][j]));
  // d2f/da db = e^{ab} (1 + ab) sin(c)
  CHECK(hs[0][1] == doctest::Approx(std::exp(0.4 * 1.3) * (1 + 0.4 * 1.3) * std::sin(-0.7)));
}
