// Scalar gradients side by side with hand-written ones (Google Benchmark).
// Each typetape gradient is checked against the hand-written one before timing.
// The full suite (peers, tensors, report) is bench/'s job in a later change;
// these two workloads keep the performance contract measured from day one.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <typetape/typetape.hpp>

namespace {

struct rosen_grad {
  double a, b;
};
rosen_grad rosen_hand(double a, double b) {
  const double t = b - a * a;
  return {-2 * (1 - a) - 400 * a * t, 200 * t};
}

struct rnn_grad {
  double w, u, b;
};
// Two steps of h' = tanh(w x + u h + b) from a constant state; loss = h2.
constexpr double x1 = 1.2, x2 = -0.4, h0 = 0.25;
rnn_grad rnn_hand(double w, double u, double b) {
  const double h1 = std::tanh(w * x1 + u * h0 + b);
  const double h2 = std::tanh(w * x2 + u * h1 + b);
  const double d2 = 1 - h2 * h2, d1 = (1 - h1 * h1) * d2 * u;
  return {d2 * x2 + d1 * x1, d2 * h1 + d1 * h0, d2 + d1};
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "gradient mismatch before timing: %s\n", what);
    std::exit(1);
  }
}
bool near(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

void rosenbrock_hand(benchmark::State& st) {
  double a = 0.3, b = 0.7;
  for (auto _ : st) {  // the same loop as typetape's: values through memory, as variables hold them
    double av = a, bv = b;
    benchmark::DoNotOptimize(av);
    benchmark::DoNotOptimize(bv);
    a = av;
    b = bv;
    auto g = rosen_hand(a, b);
    benchmark::DoNotOptimize(g);
  }
}
void rosenbrock_typetape(benchmark::State& st) {
  tt::variable<"a"> a{0.3};
  tt::variable<"b"> b{0.7};
  auto f = tt::square(1.0 - a) + 100.0 * tt::square(b - a * a);
  {
    auto [ga, gb] = tt::gradient(f, std::tie(a, b));
    const auto h = rosen_hand(0.3, 0.7);
    require(near(ga, h.a) && near(gb, h.b), "rosenbrock");
  }
  for (auto _ : st) {
    double av = a.get(), bv = b.get();
    benchmark::DoNotOptimize(av);
    benchmark::DoNotOptimize(bv);
    a = av;
    b = bv;
    auto g = tt::gradient(f, std::tie(a, b));
    benchmark::DoNotOptimize(g);
  }
}

void rnn2_hand(benchmark::State& st) {
  double w = 0.3, u = -0.7, b = 0.1;
  for (auto _ : st) {
    double wv = w;
    benchmark::DoNotOptimize(wv);
    w = wv;
    auto g = rnn_hand(w, u, b);
    benchmark::DoNotOptimize(g);
  }
}
void rnn2_typetape(benchmark::State& st) {
  tt::variable<"w"> w{0.3};
  tt::variable<"u"> u{-0.7};
  tt::variable<"b"> b{0.1};
  auto h1 = tt::let<"h1">(tt::tanh(w * x1 + u * h0 + b));
  auto h2 = tt::tanh(w * x2 + u * h1 + b);
  {
    auto [gw, gu, gb] = tt::gradient(h2, std::tie(w, u, b));
    const auto h = rnn_hand(0.3, -0.7, 0.1);
    require(near(gw, h.w) && near(gu, h.u) && near(gb, h.b), "rnn2");
  }
  for (auto _ : st) {
    double wv = w.get();
    benchmark::DoNotOptimize(wv);
    w = wv;
    auto g = tt::gradient(h2, std::tie(w, u, b));
    benchmark::DoNotOptimize(g);
  }
}

}  // namespace

BENCHMARK(rosenbrock_hand);
BENCHMARK(rosenbrock_typetape);
BENCHMARK(rnn2_hand);
BENCHMARK(rnn2_typetape);
BENCHMARK_MAIN();
