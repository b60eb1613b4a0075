// Scaling of tt::parallel::reduce_sum (Google Benchmark), on a gradient of a few ms:
//   the negative log-likelihood of a Student-t location-scale model of n run-time data,
//   sum_i log(1 + ((y_i - mu) / sigma)^2 / nu) * (nu + 1) / 2 + log sigma, w.r.t. (mu, sigma),
//   as a tt::sum_over loop reading y in place (no copy per shard).
// Contenders: the hand-written gradient loop (serial: the limit of one core), typetape's serial
// gradient (one recording of the whole range), reduce_sum (value and gradient) and sum_gradient
// (the gradient alone) on 1 and 2 threads (strong scaling: n fixed), and sum_gradient with n
// growing with the threads (weak scaling). Each checks its gradient against the hand-written
// one before it is timed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <typetape/parallel.hpp>
#include <vector>

namespace {

constexpr double nu = 4.0;

struct data {
  std::vector<double> y;
  explicit data(std::size_t n) : y(n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::sin(0.37 * double(i)) * 3.0 + 0.1;
  }
};

/// d/dmu, d/dsigma of the negative log-likelihood, by hand.
std::pair<double, double> hand(const std::vector<double>& y, double mu, double sigma) {
  double gm = 0, gs = 0;
  const double c = (nu + 1) / 2, inv = 1 / sigma;
  for (double v : y) {
    const double z = (v - mu) * inv, q = 1 + z * z / nu;
    const double dq = c / q * 2 * z / nu;  // d/dz
    gm -= dq * inv;
    gs += -dq * z * inv + inv;
  }
  return {gm, gs};
}

struct model {
  tt::variable<"mu"> mu{0.2};
  tt::variable<"sigma"> sigma{1.3};
  const std::vector<double>* y;
  auto shard(std::size_t b, std::size_t e) const {
    return tt::sum_over<"i">(b, e, [&](auto i) {
      auto z = (tt::at(*y, i) - mu) / sigma;
      return (nu + 1) / 2 * tt::log(1.0 + z * z / nu) + tt::log(sigma);
    });
  }
};

void check(const char* what, double gm, double gs, const std::vector<double>& y) {
  const auto [hm, hs] = hand(y, 0.2, 1.3);
  if (std::abs(gm - hm) > 1e-9 * (1 + std::abs(hm)) ||
      std::abs(gs - hs) > 1e-9 * (1 + std::abs(hs))) {
    std::fprintf(stderr, "%s: gradient (%g, %g), hand-written (%g, %g)\n", what, gm, gs, hm, hs);
    std::exit(1);
  }
}

void hand_written(benchmark::State& st) {
  const data d(static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(hand(d.y, 0.2, 1.3));
}

void typetape_serial(benchmark::State& st) {
  const data d(static_cast<std::size_t>(st.range(0)));
  const model m{.y = &d.y};
  const auto [gm, gs] = tt::gradient(m.shard(0, d.y.size()), std::tie(m.mu, m.sigma));
  check("typetape serial", gm, gs, d.y);
  for (auto _ : st)
    benchmark::DoNotOptimize(tt::gradient(m.shard(0, d.y.size()), std::tie(m.mu, m.sigma)));
}

/// reduce_sum (Value) or sum_gradient on st.range(1) threads; n = st.range(0) (times the
/// threads with weak scaling).
template <bool Weak, bool Value>
void reduce_sum(benchmark::State& st) {
  const int k = static_cast<int>(st.range(1));
  const data d(static_cast<std::size_t>(st.range(0)) * (Weak ? std::size_t(k) : 1));
  const model m{.y = &d.y};
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(k));
  oneapi::tbb::task_arena arena(k);
  auto run = [&] {
    return arena.execute([&] {
      auto body = [&](std::size_t b, std::size_t e) { return m.shard(b, e); };
      if constexpr (Value)
        return tt::parallel::reduce_sum(d.y.size(), body, std::tie(m.mu, m.sigma)).gradient;
      else
        return tt::parallel::sum_gradient(d.y.size(), body, std::tie(m.mu, m.sigma));
    });
  };
  const auto r = run();
  check("reduce_sum", std::get<0>(r), std::get<1>(r), d.y);
  for (auto _ : st) benchmark::DoNotOptimize(run());
  st.counters["threads"] = k;
  st.counters["items"] = double(d.y.size());
}

constexpr std::int64_t n = 1 << 20;
BENCHMARK(hand_written)->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(typetape_serial)->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(reduce_sum<false, true>)
    ->Name("reduce_sum_strong")
    ->Args({n, 1})
    ->Args({n, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(reduce_sum<false, false>)
    ->Name("sum_gradient_strong")
    ->Args({n, 1})
    ->Args({n, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(reduce_sum<true, false>)
    ->Name("sum_gradient_weak")
    ->Args({n / 2, 1})
    ->Args({n / 2, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
