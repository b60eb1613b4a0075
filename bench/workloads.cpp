// The gradient workloads of the report, side by side (Google Benchmark):
//   rosenbrock2, rosenbrock1000, logsumexp1000, normal_lpdf1000 (w.r.t. mu and sigma,
//   1000 fixed data), dense32 (sum(tanh(W x + b)^2), W 32x32, w.r.t. W and b),
//   and rnn2 (two steps of a scalar tanh RNN).
// Contenders: the plain function (f), a hand-written gradient (hand, the limit),
// typetape, and the peers found at configure time: Sacado (DFad forward, Rad reverse),
// ADOL-C (reverse on a tape recorded once), Boost.Math autodiff (forward, one pass per
// input) and Eigen's AutoDiffScalar (forward, dynamic derivative vectors).
// Before a contender is timed its gradient is compared with the hand-written one; a
// mismatch ends the program, so no number is ever reported for a wrong gradient.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <typetape/tensor.hpp>
#include <vector>

#include "harness.hpp"

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

// ---- the workloads ----------------------------------------------------------------------
// Each has n() inputs, a point, the function generic in the number type T (the peers
// instantiate it; T = double is the plain function), and the hand-written gradient. `xv`
// is the point as doubles, for what no AD tool differentiates (log-sum-exp's shift).

template <std::size_t size>  // a compile-time size, so the N = 2 hand-written loop unrolls
struct rosenbrock {
  std::size_t n() const { return size; }
  vec point() const {
    vec x(size);
    for (std::size_t i = 0; i < size; ++i) x[i] = 0.5 + 0.4 * std::sin(1.3 * double(i));
    return x;
  }
  template <class T>
  T f(const T* x, const double*) const {
    T s = T(0.0);
    for (std::size_t i = 0; i + 1 < size; ++i) {
      T d = x[i + 1] - x[i] * x[i];
      T e = 1.0 - x[i];
      s += 100.0 * (d * d) + e * e;
    }
    return s;
  }
  double hand(const double* x, double* g) const {
    double s = 0;
    std::fill(g, g + size, 0.0);
    for (std::size_t i = 0; i + 1 < size; ++i) {
      const double d = x[i + 1] - x[i] * x[i], e = 1.0 - x[i];
      s += 100.0 * d * d + e * e;
      g[i] += -400.0 * d * x[i] - 2.0 * e;
      g[i + 1] += 200.0 * d;
    }
    return s;
  }
  /// The limit (N = 1000): each g_i from x_{i-1}, x_i, x_{i+1} in one pass of batches,
  /// g_i = -400 d_i x_i - 2 e_i + 200 d_{i-1}, the ends apart; no scatter, no second pass.
  double hand_simd(const double* x, double* g) const requires(size >= 3) {
    const simd c100(100.0), c200(200.0), cm400(-400.0), c2(2.0), one(1.0);
    simd acc(0.0);
    std::size_t i = 1;
    for (; i + lanes <= size - 1; i += lanes) {
      const simd xm = simd::load_unaligned(x + i - 1), xi = simd::load_unaligned(x + i),
                 xp = simd::load_unaligned(x + i + 1);
      const simd d = xp - xi * xi, e = one - xi, dm = xi - xm * xm;
      acc += c100 * d * d + e * e;
      (cm400 * d * xi - c2 * e + c200 * dm).store_unaligned(g + i);
    }
    double s = xsimd::hadd(acc);
    for (; i < size - 1; ++i) {
      const double d = x[i + 1] - x[i] * x[i], e = 1.0 - x[i], dm = x[i] - x[i - 1] * x[i - 1];
      s += 100.0 * d * d + e * e;
      g[i] = -400.0 * d * x[i] - 2.0 * e + 200.0 * dm;
    }
    const double d0 = x[1] - x[0] * x[0], e0 = 1.0 - x[0];
    s += 100.0 * d0 * d0 + e0 * e0;
    g[0] = -400.0 * d0 * x[0] - 2.0 * e0;
    g[size - 1] = 200.0 * (x[size - 1] - x[size - 2] * x[size - 2]);
    return s;
  }
};

struct logsumexp {
  std::size_t n() const { return 1000; }
  vec point() const {
    vec x(n());
    for (std::size_t i = 0; i < n(); ++i) x[i] = 3.0 * std::sin(0.7 * double(i)) + 0.01 * double(i);
    return x;
  }
  static double shift(const double* xv, std::size_t n) { return *std::max_element(xv, xv + n); }
  template <class T>
  T f(const T* x, const double* xv) const {
    using std::exp, std::log;
    const double m = shift(xv, n());
    T s = T(0.0);
    for (std::size_t i = 0; i < n(); ++i) s += exp(x[i] - m);
    return m + log(s);
  }
  double hand(const double* x, double* g) const {
    const double m = shift(x, n());
    double s = 0;
    for (std::size_t i = 0; i < n(); ++i) s += (g[i] = std::exp(x[i] - m));
    const double r = 1.0 / s;
    for (std::size_t i = 0; i < n(); ++i) g[i] *= r;
    return m + std::log(s);
  }
  /// The limit: the max, then the exponentials (xsimd::exp) kept in g and summed, then
  /// scaled: three passes of batches.
  double hand_simd(const double* x, double* g) const {
    const std::size_t n = this->n(), full = n / lanes * lanes;
    simd mv(-std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < full; i += lanes) mv = xsimd::max(mv, simd::load_unaligned(x + i));
    alignas(64) double lane[lanes];
    mv.store_aligned(lane);
    double m = *std::max_element(lane, lane + lanes);
    for (std::size_t i = full; i < n; ++i) m = std::max(m, x[i]);
    const simd ms(m);
    simd sv(0.0);
    for (std::size_t i = 0; i < full; i += lanes) {
      const simd e = xsimd::exp(simd::load_unaligned(x + i) - ms);
      e.store_unaligned(g + i);
      sv += e;
    }
    double s = xsimd::hadd(sv);
    for (std::size_t i = full; i < n; ++i) s += (g[i] = std::exp(x[i] - m));
    const double r = 1.0 / s;
    const simd rs(r);
    for (std::size_t i = 0; i < full; i += lanes)
      (simd::load_unaligned(g + i) * rs).store_unaligned(g + i);
    for (std::size_t i = full; i < n; ++i) g[i] *= r;
    return m + std::log(s);
  }
};

/// sum_i log N(d_i | mu, sigma) over 1000 fixed data (a tensor constant), w.r.t. (mu, sigma).
using normal_lpdf = normal_workload<T1>;

/// sum_j tanh((W x)_j + b_j)^2, W 32x32 row-major then b in the inputs, x fixed.
struct dense {
  static constexpr std::size_t m = 32;
  T1 input = T1::from_shape({m});
  dense() {
    for (std::size_t k = 0; k < m; ++k) input(k) = std::cos(0.9 * double(k));
  }
  std::size_t n() const { return m * m + m; }
  vec point() const {
    vec x(n());
    for (std::size_t i = 0; i < n(); ++i) x[i] = 0.2 * std::sin(0.61 * double(i));
    return x;
  }
  template <class T>
  T f(const T* x, const double*) const {
    using std::tanh;
    T s = T(0.0);
    for (std::size_t j = 0; j < m; ++j) {
      T z = x[m * m + j];
      for (std::size_t k = 0; k < m; ++k) z += x[j * m + k] * input(k);
      T t = tanh(z);
      s += t * t;
    }
    return s;
  }
  double hand(const double* x, double* g) const {
    double s = 0;
    for (std::size_t j = 0; j < m; ++j) {
      double z = x[m * m + j];
      for (std::size_t k = 0; k < m; ++k) z += x[j * m + k] * input(k);
      const double t = std::tanh(z), d = 2 * t * (1 - t * t);
      s += t * t;
      g[m * m + j] = d;
      for (std::size_t k = 0; k < m; ++k) g[j * m + k] = d * input(k);
    }
    return s;
  }
  /// The limit: each row of W times x as batches (a 32x32 matrix-vector product is too small
  /// for BLAS to pay off), tanh on batches of rows, the rank-1 update d x^T as batches.
  double hand_simd(const double* x, double* g) const {
    static_assert(m % lanes == 0);
    alignas(64) double z[m];
    const double* in = input.data();
    for (std::size_t j = 0; j < m; ++j) {
      simd acc(0.0);
      for (std::size_t k = 0; k < m; k += lanes)
        acc = xsimd::fma(simd::load_unaligned(x + j * m + k), simd::load_unaligned(in + k), acc);
      z[j] = x[m * m + j] + xsimd::hadd(acc);
    }
    simd sv(0.0);
    for (std::size_t j = 0; j < m; j += lanes) {
      const simd t = xsimd::tanh(simd::load_aligned(z + j)), one(1.0), two(2.0);
      sv = xsimd::fma(t, t, sv);
      (two * t * (one - t * t)).store_unaligned(g + m * m + j);
    }
    for (std::size_t j = 0; j < m; ++j) {
      const simd dj(g[m * m + j]);
      for (std::size_t k = 0; k < m; k += lanes)
        (dj * simd::load_unaligned(in + k)).store_unaligned(g + j * m + k);
    }
    return xsimd::hadd(sv);
  }
};

/// Two steps of h' = tanh(w x + u h + b) from a fixed state; the loss is h2.
struct rnn2 {
  static constexpr double x1 = 1.2, x2 = -0.4, h0 = 0.25;
  std::size_t n() const { return 3; }
  vec point() const { return {0.3, -0.7, 0.1}; }
  template <class T>
  T f(const T* p, const double*) const {
    using std::tanh;
    T h1 = tanh(p[0] * x1 + p[1] * h0 + p[2]);
    return tanh(p[0] * x2 + p[1] * h1 + p[2]);
  }
  double hand(const double* p, double* g) const {
    const double h1 = std::tanh(p[0] * x1 + p[1] * h0 + p[2]);
    const double h2 = std::tanh(p[0] * x2 + p[1] * h1 + p[2]);
    const double d2 = 1 - h2 * h2, d1 = (1 - h1 * h1) * d2 * p[1];
    g[0] = d2 * x2 + d1 * x1;
    g[1] = d2 * h1 + d1 * h0;
    g[2] = d2 + d1;
    return h2;
  }
};

// ---- typetape ---------------------------------------------------------------------------

template <class T>
void copy_out(const T& t, double* g) {
  std::copy(t.data(), t.data() + t.size(), g);
}
/// Copies x[0 .. size) into a tensor variable's own storage (tt::variable::update: one copy,
/// no allocation), as the peers read x per call.
template <class T, class Var>
void load(const double* x, T& buffer, Var& var) {
  var.update([&](T& v) { std::copy(x, x + buffer.size(), v.data()); });
}
/// A tensor of the given shape holding x[0 .. size).
template <class T, std::size_t R>
T tensor_of(const double* x, const std::size_t (&shape)[R]) {
  T t = T::from_shape(shape);
  std::copy(x, x + t.size(), t.data());
  return t;
}

void add_typetape() {
  // A scalar gradient as a function computes it: variables and expression on the stack.
  add("rosenbrock2", rosenbrock<2>{}, "typetape", [](const rosenbrock<2>&, const vec&) {
    return [](const double* x, double* g) {
      tt::variable<"a"> a{x[0]};
      tt::variable<"b"> b{x[1]};
      const auto [ga, gb] =
          tt::gradient(tt::square(1.0 - a) + 100.0 * tt::square(b - a * a), std::tie(a, b));
      g[0] = ga;
      g[1] = gb;
    };
  });
  // The same, with variables and expression built once and kept (here, in the closure):
  // each call assigns the variables, and checks that each name's references still
  // point at one object (TT-E10), which the compiler can no longer prove.
  add("rosenbrock2", rosenbrock<2>{}, "typetape_stored", [](const rosenbrock<2>&, const vec&) {
    struct vars {
      tt::variable<"a"> a;
      tt::variable<"b"> b;
    };
    auto v = std::make_shared<vars>();
    auto f = tt::square(1.0 - v->a) + 100.0 * tt::square(v->b - v->a * v->a);
    return [v, f](const double* x, double* g) {
      v->a = x[0];
      v->b = x[1];
      const auto [ga, gb] = tt::gradient(f, std::tie(v->a, v->b));
      g[0] = ga;
      g[1] = gb;
    };
  });
  add("rosenbrock1000", rosenbrock<1000>{}, "typetape",
      [](const rosenbrock<1000>& w, const vec& x0) {
        auto x = std::make_shared<tt::variable<"x", T1>>(tensor_of<T1>(x0.data(), {x0.size()}));
        const std::size_t n = w.n();
        // slices of a variable are read in place by the fused loop (no let: a let would
        // copy the slice once, to share it)
        auto lo = tt::slice(*x, tt::range{0, n - 1});
        auto f = tt::sum(100.0 * tt::square(tt::slice(*x, tt::range{1, n}) - tt::square(lo)) +
                         tt::square(1.0 - lo));
        // the gradient kept between calls (tt::gradient_into): its storage is reused
        return [x, f, in = x->get(), gx = T1()](const double* xp, double* g) mutable {
          load(xp, in, *x);
          tt::gradient_into(f, *x, gx);
          copy_out(gx, g);
        };
      });
  add("logsumexp1000", logsumexp{}, "typetape", [](const logsumexp&, const vec& x0) {
    auto x = std::make_shared<tt::variable<"x", T1>>(tensor_of<T1>(x0.data(), {x0.size()}));
    auto f = tt::log_sum_exp(*x);
    return [x, f, in = x->get(), gx = T1()](const double* xp, double* g) mutable {
      load(xp, in, *x);
      tt::gradient_into(f, *x, gx);
      copy_out(gx, g);
    };
  });
  add("normal_lpdf1000", normal_lpdf{}, "typetape", [](const normal_lpdf& w, const vec&) {
    struct vars {
      tt::variable<"mu"> mu;
      tt::variable<"sigma"> sigma;
    };
    auto v = std::make_shared<vars>();
    const double nd = double(w.data.size());
    auto f = -0.5 * tt::sum(tt::square((w.data - v->mu) * (1.0 / v->sigma))) -
             nd * tt::log(v->sigma) - nd * normal_lpdf::half_log_2pi;
    return [v, f](const double* x, double* g) {
      v->mu = x[0];
      v->sigma = x[1];
      const auto [gm, gs] = tt::gradient(f, std::tie(v->mu, v->sigma));
      g[0] = gm;
      g[1] = gs;
    };
  });
  add("dense32", dense{}, "typetape", [](const dense& w, const vec& x0) {
    constexpr std::size_t m = dense::m;
    struct vars {
      tt::variable<"W", T2> W;
      tt::variable<"b", T1> b;
      explicit vars(const double* x)
          : W{tensor_of<T2>(x, {m, m})}, b{tensor_of<T1>(x + m * m, {m})} {}
    };
    auto v = std::make_shared<vars>(x0.data());
    auto f = tt::sum(tt::square(tt::tanh(tt::matmul(v->W, w.input) + v->b)));
    return [v, f, inW = v->W.get(), inb = v->b.get(), gW = T2(), gb = T1()](const double* xp,
                                                                            double* g) mutable {
      load(xp, inW, v->W);
      load(xp + m * m, inb, v->b);
      tt::gradient_into(f, std::tie(v->W, v->b), std::tie(gW, gb));
      copy_out(gW, g);
      copy_out(gb, g + m * m);
    };
  });
  add("rnn2", rnn2{}, "typetape", [](const rnn2&, const vec&) {
    return [](const double* x, double* g) {
      tt::variable<"w"> w{x[0]};
      tt::variable<"u"> u{x[1]};
      tt::variable<"b"> b{x[2]};
      auto h1 = tt::let<"h1">(tt::tanh(w * rnn2::x1 + u * rnn2::h0 + b));
      const auto [gw, gu, gb] =
          tt::gradient(tt::tanh(w * rnn2::x2 + u * h1 + b), std::tie(w, u, b));
      g[0] = gw;
      g[1] = gu;
      g[2] = gb;
    };
  });
}

// ---- gradients at many points: rosenbrock2 at 4096 points, per point -----------------------

constexpr std::size_t n_points = 4096;
struct points {
  vec a = vec(n_points), b = vec(n_points), ga = vec(n_points), gb = vec(n_points);
  points() {
    for (std::size_t i = 0; i < n_points; ++i) {
      a[i] = std::sin(0.01 * double(i));
      b[i] = std::cos(0.013 * double(i));
    }
  }
};
void rosen_points_hand(points& p) {
  const rosenbrock<2> w;
  for (std::size_t i = 0; i < n_points; ++i) {
    const double x[2] = {p.a[i], p.b[i]};
    double g[2];
    w.hand(x, g);
    p.ga[i] = g[0];
    p.gb[i] = g[1];
  }
}
void add_points() {
  benchmark::RegisterBenchmark("rosenbrock2/hand_4096_points", [](benchmark::State& st) {
    points p;
    for (auto _ : st) {
      benchmark::DoNotOptimize(p.a.data());
      benchmark::DoNotOptimize(p.ga.data());
      benchmark::DoNotOptimize(p.gb.data());
      rosen_points_hand(p);
      benchmark::ClobberMemory();
    }
    st.counters["grads"] = double(n_points);
  });
  benchmark::RegisterBenchmark("rosenbrock2/typetape_batch_4096_points", [](benchmark::State& st) {
    points p, h;
    rosen_points_hand(h);
    tt::variable<"a"> a;
    tt::variable<"b"> b;
    auto f = tt::square(1.0 - a) + 100.0 * tt::square(b - a * a);
    const std::array<std::span<const double>, 2> in{std::span<const double>(p.a),
                                                    std::span<const double>(p.b)};
    const std::array<std::span<double>, 2> out{std::span<double>(p.ga), std::span<double>(p.gb)};
    tt::batch_gradient_into(f, std::tie(a, b), in, out);
    check("rosenbrock2/typetape_batch_4096_points", p.ga, h.ga);
    check("rosenbrock2/typetape_batch_4096_points", p.gb, h.gb);
    for (auto _ : st) {
      benchmark::DoNotOptimize(p.a.data());
      benchmark::DoNotOptimize(p.ga.data());
      benchmark::DoNotOptimize(p.gb.data());
      tt::batch_gradient_into(f, std::tie(a, b), in, out);
      benchmark::ClobberMemory();
    }
    st.counters["grads"] = double(n_points);
  });
}

}  // namespace

int main(int argc, char** argv) {
  add_common("rosenbrock2", rosenbrock<2>{});
  add_common("rosenbrock1000", rosenbrock<1000>{});
  add_common("logsumexp1000", logsumexp{});
  add_common("normal_lpdf1000", normal_lpdf{});
  add_common("dense32", dense{});
  add_common("rnn2", rnn2{});
  add_typetape();
  add_points();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
