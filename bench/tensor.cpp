// Tensor gradients side by side with hand-written code (Google Benchmark):
//  - a fused elementwise chain, forward and backward, against one hand-written loop
//    over the same arrays;
//  - gradients at many points: batch_gradient (xsimd batches) against tt::gradient
//    called point by point, and against a hand-written loop;
//  - matmul's forward and backward (three GEMMs) against three cblas_dgemm calls.
// Each typetape result is checked against the hand-written one before timing.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <typetape/tensor.hpp>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "gradient mismatch before timing: %s\n", what);
    std::exit(1);
  }
}
template <class A, class B>
bool near_all(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(a.data()[i] - b.data()[i]) > 1e-12 * std::max(1.0, std::abs(b.data()[i])))
      return false;
  return true;
}
T1 ramp(std::size_t n, double lo, double hi) {
  T1 t = T1::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) t(i) = lo + (hi - lo) * double(i) / double(n);
  return t;
}

// ---- a fused chain: loss = sum(tanh(w * x + b)^2), gradient w.r.t. w and b -----------------
struct chain_grads {
  T1 gw, gb;
};
/// The hand-written gradient: one loop, one tanh per element.
void chain_hand(const T1& w, const T1& x, const T1& b, chain_grads& g) {
  const std::size_t n = w.size();
  const double *pw = w.data(), *px = x.data(), *pb = b.data();
  double *gw = g.gw.data(), *gb = g.gb.data();
  for (std::size_t i = 0; i < n; ++i) {
    const double t = std::tanh(pw[i] * px[i] + pb[i]);
    const double d = 2 * t * (1 - t * t);
    gb[i] = d;
    gw[i] = d * px[i];
  }
}

/// The same loop on xsimd batches (the machine's widest), with a scalar tail: the
/// limit a fused region can reach.
void chain_hand_simd(const T1& w, const T1& x, const T1& b, chain_grads& g) {
  using B = xsimd::batch<double>;
  const std::size_t n = w.size();
  const double *pw = w.data(), *px = x.data(), *pb = b.data();
  double *gw = g.gw.data(), *gb = g.gb.data();
  std::size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    const B xv = B::load_unaligned(px + i);
    const B t = xsimd::tanh(B::load_unaligned(pw + i) * xv + B::load_unaligned(pb + i));
    const B d = B(2.0) * t * (B(1.0) - t * t);
    d.store_unaligned(gb + i);
    (d * xv).store_unaligned(gw + i);
  }
  for (; i < n; ++i) {
    const double t = std::tanh(pw[i] * px[i] + pb[i]);
    const double d = 2 * t * (1 - t * t);
    gb[i] = d;
    gw[i] = d * px[i];
  }
}

template <void (*Kernel)(const T1&, const T1&, const T1&, chain_grads&)>
void chain_hand_bench(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const T1 w = ramp(n, -1, 1), x = ramp(n, 0.5, -0.5), b = ramp(n, 0.1, 0.2);
  {
    chain_grads h{T1::from_shape({n}), T1::from_shape({n})},
        k{T1::from_shape({n}), T1::from_shape({n})};
    chain_hand(w, x, b, h);
    Kernel(w, x, b, k);
    require(near_all(k.gw, h.gw) && near_all(k.gb, h.gb), "hand-written xsimd chain");
  }
  for (auto _ : st) {
    chain_grads out{T1::from_shape({n}), T1::from_shape({n})};  // typetape returns new tensors too
    Kernel(w, x, b, out);
    benchmark::DoNotOptimize(out.gw.data());
    benchmark::DoNotOptimize(out.gb.data());
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
}
void chain_typetape_bench(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  tt::variable<"w", T1> w{ramp(n, -1, 1)};
  tt::variable<"b", T1> b{ramp(n, 0.1, 0.2)};
  const T1 x = ramp(n, 0.5, -0.5);  // data: a constant in the expression
  auto loss = tt::sum(tt::square(tt::tanh(w * x + b)));
  {
    chain_grads h{T1::from_shape({n}), T1::from_shape({n})};
    chain_hand(w.get(), x, b.get(), h);
    const auto [gw, gb] = tt::gradient(loss, std::tie(w, b));
    require(near_all(gw, h.gw) && near_all(gb, h.gb), "fused chain");
  }
  for (auto _ : st) {
    auto [gw, gb] = tt::gradient(loss, std::tie(w, b));
    benchmark::DoNotOptimize(gw.data());
    benchmark::DoNotOptimize(gb.data());
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
}

// ---- gradients of a 2-D potential at many points -------------------------------------------
constexpr double k_spring = 0.1;
/// V(x, y) = exp(-(x^2 + y^2)) cos(x) + k (x^2 + y^2), differentiated by hand.
void potential_hand(const double* xs, const double* ys, double* gx, double* gy, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = xs[i], y = ys[i], e = std::exp(-(x * x + y * y)), c = std::cos(x);
    gx[i] = -2 * x * e * c - e * std::sin(x) + 2 * k_spring * x;
    gy[i] = -2 * y * e * c + 2 * k_spring * y;
  }
}
struct points {
  std::vector<double> xs, ys, gx, gy;
  explicit points(std::size_t n) : xs(n), ys(n), gx(n), gy(n) {
    for (std::size_t i = 0; i < n; ++i) {
      xs[i] = std::sin(0.37 * double(i));
      ys[i] = std::cos(0.11 * double(i));
    }
  }
};

void points_hand(benchmark::State& st) {
  points p(static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) {
    potential_hand(p.xs.data(), p.ys.data(), p.gx.data(), p.gy.data(), p.xs.size());
    benchmark::DoNotOptimize(p.gx.data());
    benchmark::DoNotOptimize(p.gy.data());
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
template <class X, class Y>
auto potential(X& x, Y& y) {
  return tt::exp(-(x * x + y * y)) * tt::cos(x) + k_spring * (x * x + y * y);
}
void points_typetape_scalar(benchmark::State& st) {
  points p(static_cast<std::size_t>(st.range(0)));
  tt::variable<"x"> x;
  tt::variable<"y"> y;
  auto v = potential(x, y);
  for (auto _ : st) {
    for (std::size_t i = 0; i < p.xs.size(); ++i) {
      x = p.xs[i];
      y = p.ys[i];
      const auto [gx, gy] = tt::gradient(v, std::tie(x, y));
      p.gx[i] = gx;
      p.gy[i] = gy;
    }
    benchmark::DoNotOptimize(p.gx.data());
    benchmark::DoNotOptimize(p.gy.data());
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
void points_typetape_batch(benchmark::State& st) {
  points p(static_cast<std::size_t>(st.range(0)));
  tt::variable<"x"> x;
  tt::variable<"y"> y;
  auto v = potential(x, y);
  const std::array<std::span<const double>, 2> in{std::span<const double>(p.xs),
                                                  std::span<const double>(p.ys)};
  const std::array<std::span<double>, 2> out{std::span<double>(p.gx), std::span<double>(p.gy)};
  {
    points h(p.xs.size());
    potential_hand(h.xs.data(), h.ys.data(), h.gx.data(), h.gy.data(), h.xs.size());
    tt::batch_gradient_into(v, std::tie(x, y), in, out);
    for (std::size_t i = 0; i < h.xs.size(); ++i)
      require(std::abs(p.gx[i] - h.gx[i]) <= 1e-12 && std::abs(p.gy[i] - h.gy[i]) <= 1e-12,
              "batch points");
  }
  for (auto _ : st) {
    tt::batch_gradient_into(v, std::tie(x, y), in, out);
    benchmark::DoNotOptimize(p.gx.data());
    benchmark::DoNotOptimize(p.gy.data());
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}

// ---- matmul: C = A B, then dA = G B^T and dB = A^T G ----------------------------------------
struct mm {
  T2 a, b, g;
  explicit mm(std::size_t n)
      : a(T2::from_shape({n, n})), b(T2::from_shape({n, n})), g(T2::from_shape({n, n})) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      a.data()[i] = std::sin(double(i));
      b.data()[i] = std::cos(double(i));
      g.data()[i] = std::sin(0.5 * double(i));
    }
  }
};
void dgemm(bool ta, bool tb, std::size_t n, const double* x, const double* y, double* z) {
  const int m = static_cast<int>(n);
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, m,
              m, 1.0, x, m, y, m, 0.0, z, m);
}
void matmul_dgemm(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  mm d(n);
  for (auto _ : st) {
    T2 c = T2::from_shape({n, n}), da = T2::from_shape({n, n}), db = T2::from_shape({n, n});
    dgemm(false, false, n, d.a.data(), d.b.data(), c.data());
    dgemm(false, true, n, d.g.data(), d.b.data(), da.data());
    dgemm(true, false, n, d.a.data(), d.g.data(), db.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::DoNotOptimize(da.data());
    benchmark::DoNotOptimize(db.data());
  }
}
void matmul_typetape(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  mm d(n);
  tt::variable<"A", T2> a{d.a};
  tt::variable<"B", T2> b{d.b};
  auto c = tt::matmul(a, b);
  {
    T2 da = T2::from_shape({n, n}), db = T2::from_shape({n, n});
    dgemm(false, true, n, d.g.data(), d.b.data(), da.data());
    dgemm(true, false, n, d.a.data(), d.g.data(), db.data());
    const auto [ga, gb] = tt::gradient(c, std::tie(a, b), tt::output_gradients(d.g));
    require(near_all(ga, da) && near_all(gb, db), "matmul");
  }
  for (auto _ : st) {
    auto t = tt::record(c);  // the forward GEMM
    auto [ga, gb] = std::move(t).gradient(c, std::tie(a, b), tt::output_gradients(d.g));
    benchmark::DoNotOptimize(ga.data());
    benchmark::DoNotOptimize(gb.data());
  }
}

}  // namespace

BENCHMARK(chain_hand_bench<chain_hand>)->Name("chain_fwd_bwd/hand")->Arg(1000)->Arg(100000);
BENCHMARK(chain_hand_bench<chain_hand_simd>)
    ->Name("chain_fwd_bwd/hand_xsimd")
    ->Arg(1000)
    ->Arg(100000);
BENCHMARK(chain_typetape_bench)->Name("chain_fwd_bwd/typetape")->Arg(1000)->Arg(100000);
BENCHMARK(points_hand)->Name("points_grad/hand")->Arg(4096);
BENCHMARK(points_typetape_scalar)->Name("points_grad/typetape_scalar")->Arg(4096);
BENCHMARK(points_typetape_batch)->Name("points_grad/typetape_batch")->Arg(4096);
BENCHMARK(matmul_dgemm)->Name("matmul_fwd_bwd/cblas_dgemm")->Arg(32)->Arg(128)->Arg(256);
BENCHMARK(matmul_typetape)->Name("matmul_fwd_bwd/typetape")->Arg(32)->Arg(128)->Arg(256);

BENCHMARK_MAIN();
