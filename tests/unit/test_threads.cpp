// typetape's thread-safety contract (README, "Threads"), on plain std::threads so that
// ThreadSanitizer sees every synchronisation (scripts/test builds this file with clang
// -fsanitize=thread; Debian's oneTBB is not instrumented, and TSan reports its scheduler's
// hand-offs as races, google/sanitizers#1004, so the TBB-based functions are checked for their
// values in test_parallel.cpp and for races here, through the same operations):
//  - variables, constants and expressions read from many threads at once, each thread
//    recording and differentiating its own tapes (what tt::parallel::reduce_sum does);
//  - one persistent tape asked for gradients from many threads at once (tt::parallel::jacobian);
//  - batch_gradient_into on disjoint spans (tt::parallel::batch_gradient_into);
//  - a tt::gradient_plan per thread, over one expression and shared variables (a data-parallel
//    training loop: each worker plans its gradient once and calls it again and again).
#include <typetape/tensor.hpp>
#include <xtensor/xview.hpp>

#include <cmath>
#include <cstring>
#include <doctest/doctest.h>
#include <span>
#include <thread>
#include <vector>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

template <class F>
void on_threads(std::size_t k, F&& f) {
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < k; ++t) pool.emplace_back([&f, t] { f(t); });
  for (auto& th : pool) th.join();
}

}  // namespace

TEST_CASE("threads record and differentiate their own tapes over shared variables and data") {
  const std::size_t n = 400, d = 3, k = 4;
  T2 X = T2::from_shape({n, d});
  T1 y = T1::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) {
    y(i) = std::sin(0.1 * double(i));
    for (std::size_t j = 0; j < d; ++j) X(i, j) = std::cos(0.01 * double(i * (j + 1)));
  }
  tt::variable<"w", T1> w{T1{0.5, -0.25, 1.0}};
  tt::variable<"b"> b{0.1};
  auto shard = [&](std::size_t lo, std::size_t hi) {
    return tt::sum(tt::square(tt::matmul(xt::view(X, xt::range(lo, hi), xt::all()), w) + b -
                              xt::view(y, xt::range(lo, hi))));
  };
  std::vector<T1> gw(k);
  std::vector<double> gb(k);
  on_threads(k, [&](std::size_t t) {
    const auto e = shard(t * n / k, (t + 1) * n / k);
    auto [a, c] = tt::gradient(e, std::tie(w, b));
    gw[t] = a;
    gb[t] = c;
  });
  // the shards' gradients add up to the whole range's
  const auto [all_w, all_b] = tt::gradient(shard(0, n), std::tie(w, b));
  T1 sum_w = xt::zeros<double>({d});
  double sum_b = 0;
  for (std::size_t t = 0; t < k; ++t) {
    sum_w += gw[t];
    sum_b += gb[t];
  }
  CHECK(xt::allclose(sum_w, all_w, 1e-12, 0));
  CHECK(sum_b == doctest::Approx(all_b).epsilon(1e-12));
}

TEST_CASE("one persistent tape asked for gradients from several threads at once") {
  tt::variable<"v", T1> v{T1{0.3, -1.2, 2.0}};
  auto y = tt::tanh(v * v) + tt::sin(v);
  const auto tape = tt::record<tt::persistent>(y);
  const std::size_t k = 4;
  std::vector<T1> g(k);
  on_threads(k, [&](std::size_t t) {
    T1 seed = xt::zeros<double>({3});
    seed(t % 3) = 1.0;
    g[t] = tape.gradient(y, v, tt::output_gradients(seed));
  });
  for (std::size_t t = 0; t < k; ++t) {
    const std::size_t i = t % 3;
    const double x = v.get()(i), th = std::tanh(x * x);
    CHECK(g[t](i) == doctest::Approx(2 * x * (1 - th * th) + std::cos(x)).epsilon(1e-13));
  }
  // and the Jacobian filled by rows from several threads, as tt::parallel::jacobian does
  tt::detail::jacobian_work<decltype(y), decltype(v)> work(y, v);
  on_threads(3, [&](std::size_t t) { work.rows(y, v, t, t + 1); });
  CHECK(work.J == T2(tt::jacobian(y, v)));
}

TEST_CASE("batch_gradient_into on disjoint spans from several threads") {
  tt::variable<"x"> x{0.0};
  tt::variable<"z"> z{0.0};
  auto f = tt::exp(x * z) + tt::log(1.0 + x * x) * tt::sin(z);
  const std::size_t n = 1024, k = 4;
  std::vector<double> px(n), pz(n), gx(n), gz(n), sx(n), sz(n);
  for (std::size_t i = 0; i < n; ++i) {
    px[i] = std::sin(0.01 * double(i));
    pz[i] = std::cos(0.013 * double(i));
  }
  on_threads(k, [&](std::size_t t) {
    const std::size_t lo = t * n / k, len = (t + 1) * n / k - lo;
    tt::batch_gradient_into(
        f, std::tie(x, z),
        std::array<std::span<const double>, 2>{std::span<const double>(px).subspan(lo, len),
                                               std::span<const double>(pz).subspan(lo, len)},
        std::array<std::span<double>, 2>{std::span<double>(gx).subspan(lo, len),
                                         std::span<double>(gz).subspan(lo, len)});
  });
  const std::array<std::span<const double>, 2> in{px, pz};
  tt::batch_gradient_into(f, std::tie(x, z), in, std::array<std::span<double>, 2>{sx, sz});
  // 256 points a thread: a multiple of any SIMD width, so bit for bit
  CHECK(std::memcmp(gx.data(), sx.data(), n * sizeof(double)) == 0);
  CHECK(std::memcmp(gz.data(), sz.data(), n * sizeof(double)) == 0);
}

TEST_CASE("a gradient plan per thread, over one expression and shared variables") {
  using T3 = xt::xtensor<double, 3>;
  tt::variable<"U", T2> U{T2(xt::ones<double>({3, 4}) * 0.2)};
  tt::variable<"V", T2> V{T2(xt::ones<double>({4, 4}) * -0.1)};
  tt::variable<"c", T1> c{T1{0.1, -0.2, 0.3, 0.0}};
  T3 xs = T3::from_shape({6, 2, 3});
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = std::sin(0.37 * double(i));
  const T2 h0 = xt::zeros<double>({2, 4}), target = xt::ones<double>({2, 4}) * 0.25;
  auto cell = [&](const auto& h, const auto& x) {
    return tt::tanh(tt::matmul(x, U) + tt::matmul(h, V) + c);
  };
  const auto loss = tt::mse(tt::scan<"rnn">(cell, h0, xs), target);
  const auto serial = tt::gradient(loss, std::tie(U, V, c));
  const std::size_t k = 4;
  std::vector<decltype(tt::gradient(loss, std::tie(U, V, c)))> g(k);
  on_threads(k, [&](std::size_t t) {
    auto plan = tt::plan_gradient(loss, std::tie(U, V, c));
    for (int call = 0; call < 3; ++call) plan.into(g[t]);  // its own records, written over
  });
  for (std::size_t t = 0; t < k; ++t) {  // the same operations in the same order: bit for bit
    CHECK(std::get<0>(g[t]) == std::get<0>(serial));
    CHECK(std::get<1>(g[t]) == std::get<1>(serial));
    CHECK(std::get<2>(g[t]) == std::get<2>(serial));
  }
}
