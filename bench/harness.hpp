// The harness the gradient benchmarks share (bench/workloads.cpp, bench/loops.cpp): a
// workload has n() inputs, a point(), the function f<T>(x, xv) generic in the number type
// (the peers instantiate it; T = double is the plain function) and the hand-written
// gradient hand(x, g). add_common registers the function, the hand-written gradient and
// every peer found at configure time; add registers one more contender. Each contender's
// gradient is compared with the hand-written one before it is timed.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>

#if TT_BENCH_SACADO
#include <Sacado_Fad_DFad.hpp>
#include <Sacado_trad.hpp>
#endif
#if TT_BENCH_ADOLC
#include <adolc/adolc.h>
#endif
#if TT_BENCH_EIGEN
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>
#endif
#if TT_BENCH_BOOST
#include <boost/math/differentiation/autodiff.hpp>
#endif

namespace {

using vec = std::vector<double>;
/// The hand-written limit's vectors: xsimd's widest batch for the compiler's target
/// (-march=native: AVX-512 on the report's machine, 8 doubles).
using simd = xsimd::batch<double>;
constexpr std::size_t lanes = simd::size;

// ---- a workload two benchmarks share ---------------------------------------------------------
inline constexpr double normal_half_log_2pi = 0.91893853320467274178;
/// sum_i log N(d_i | mu, sigma) over 1000 fixed data d (in a container D), w.r.t. (mu, sigma).
template <class D>
struct normal_workload {
  static constexpr double half_log_2pi = normal_half_log_2pi;
  D data;
  normal_workload() {
    if constexpr (requires { D::from_shape({std::size_t{1}}); })
      data = D::from_shape({1000});  // a tensor
    else
      data.resize(1000);
    for (std::size_t i = 0; i < data.size(); ++i)
      data[i] = 1.5 + 2.0 * std::sin(0.37 * double(i) * double(i));
  }
  std::size_t n() const { return 2; }
  vec point() const { return {1.2, 1.9}; }
  template <class T>
  T f(const T* x, const double*) const {
    using std::log;
    const double nd = double(data.size());
    T inv = 1.0 / x[1];
    T q = T(0.0);
    for (std::size_t i = 0; i < data.size(); ++i) {
      T z = (data[i] - x[0]) * inv;
      q += z * z;
    }
    return -0.5 * q - nd * log(x[1]) - nd * half_log_2pi;
  }
  double hand(const double* x, double* g) const { return sums_from(0, 0.0, 0.0, x, g); }
  /// The limit: the same loop on xsimd batches, two accumulators per sum.
  double hand_simd(const double* x, double* g) const {
    const std::size_t n = data.size();
    const double* d = data.data();
    const simd mu(x[0]), iv(1.0 / x[1]);
    simd q0(0.0), q1(0.0), s0(0.0), s1(0.0);
    std::size_t i = 0;
    for (; i + 2 * lanes <= n; i += 2 * lanes) {
      const simd z0 = (simd::load_unaligned(d + i) - mu) * iv;
      const simd z1 = (simd::load_unaligned(d + i + lanes) - mu) * iv;
      q0 = xsimd::fma(z0, z0, q0), q1 = xsimd::fma(z1, z1, q1);
      s0 += z0, s1 += z1;
    }
    return sums_from(i, xsimd::hadd(q0 + q1), xsimd::hadd(s0 + s1), x, g);
  }
  /// The sums of z^2 (q) and z (s) from element i on, added to those so far, then the
  /// gradient into g and the value (the whole of the plain loop, the tail of the xsimd one).
  double sums_from(std::size_t i, double q, double s, const double* x, double* g) const {
    const double nd = double(data.size()), inv = 1.0 / x[1];
    for (; i < data.size(); ++i) {
      const double z = (data[i] - x[0]) * inv;
      q += z * z;
      s += z;
    }
    g[0] = s * inv;
    g[1] = (q - nd) * inv;
    return -0.5 * q - nd * std::log(x[1]) - nd * half_log_2pi;
  }
};

// ---- checking and timing ----------------------------------------------------------------

/// Ends the program unless g matches the hand-written gradient h to 1e-10 (relative to
/// the largest component).
void check(const std::string& name, const vec& g, const vec& h) {
  double scale = 0, worst = 0;
  std::size_t at = 0;
  for (double v : h) scale = std::max(scale, std::abs(v));
  bool nan = false;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double e = std::abs(g[i] - h[i]);
    if (std::isnan(e) && !nan) nan = true, at = i;
    if (!nan && e > worst) worst = e, at = i;
  }
  if (nan || !(worst <= 1e-10 * std::max(scale, 1.0))) {
    std::fprintf(
        stderr,
        "%s: gradient differs from the hand-written one before timing: [%zu] %.17g vs %.17g\n",
        name.c_str(), at, g[at], h[at]);
    std::exit(1);
  }
}

/// Registers "workload/contender". `make(w, x)` prepares the contender (builds its
/// expression, records its tape) and returns the callable `(const double* x, double* g)`
/// that the loop times: one gradient per call, into g.
template <class W, class Make>
void add(const char* workload, const W& proto, const char* contender, Make make) {
  const std::string name = std::string(workload) + "/" + contender;
  benchmark::RegisterBenchmark(name.c_str(), [name, proto, make](benchmark::State& st) {
    const W& w = proto;
    vec x = w.point(), g(w.n()), h(w.n());
    w.hand(x.data(), h.data());
    auto grad = make(w, x);
    grad(x.data(), g.data());
    check(name, g, h);
    for (auto _ : st) {
      benchmark::DoNotOptimize(x.data());  // the inputs are read from memory every time,
      benchmark::DoNotOptimize(g.data());  // and the gradient written to it (clang would
      grad(x.data(), g.data());            // otherwise drop stores nobody reads, and with
      benchmark::ClobberMemory();          // them the whole computation)
    }
    st.counters["grads"] = 1;
  });
}

/// The plain function: what one evaluation costs, the floor of every gradient.
template <class W>
void add_f(const char* workload, const W& proto) {
  const std::string name = std::string(workload) + "/f";
  benchmark::RegisterBenchmark(name.c_str(), [proto](benchmark::State& st) {
    vec x = proto.point();
    for (auto _ : st) {
      benchmark::DoNotOptimize(x.data());
      double y = proto.template f<double>(x.data(), x.data());
      benchmark::DoNotOptimize(y);
    }
    st.counters["grads"] = 1;
  });
}

template <class W>
void add_common(const char* workload, const W& w) {
  add_f(workload, w);
  add(workload, w, "hand",
      [](const W& wl, const vec&) { return [&wl](const double* x, double* g) { wl.hand(x, g); }; });
  if constexpr (requires(const double* x, double* g) { w.hand_simd(x, g); })
    add(workload, w, "hand_xsimd", [](const W& wl, const vec&) {
      return [&wl](const double* x, double* g) { wl.hand_simd(x, g); };
    });
#if TT_BENCH_SACADO
  add(workload, w, "sacado_fad", [](const W& wl, const vec&) {
    using F = Sacado::Fad::DFad<double>;
    return [&wl, xs = std::vector<F>(wl.n())](const double* x, double* g) mutable {
      const auto n = static_cast<int>(xs.size());
      for (int i = 0; i < n; ++i) xs[std::size_t(i)] = F(n, i, x[i]);
      const F y = wl.f(xs.data(), x);
      for (int i = 0; i < n; ++i) g[i] = y.dx(i);
    };
  });
  add(workload, w, "sacado_rad", [](const W& wl, const vec&) {
    using R = Sacado::Rad::ADvar<double>;
    return [&wl, xs = std::vector<R>()](const double* x, double* g) mutable {
      xs.clear();
      for (std::size_t i = 0; i < wl.n(); ++i) xs.emplace_back(x[i]);
      const R y = wl.f(xs.data(), x);
      R::Gradcomp();
      for (std::size_t i = 0; i < xs.size(); ++i) g[i] = xs[i].adj();
    };
  });
#endif
#if TT_BENCH_ADOLC
  add(workload, w, "adolc", [](const W& wl, const vec& x0) {
    static short next_tag = 1;
    const short tag = next_tag++;
    {  // recorded once at the point; each call then runs gradient() on the tape
      trace_on(tag);
      std::vector<adouble> ax(wl.n());
      for (std::size_t i = 0; i < ax.size(); ++i) ax[i] <<= x0[i];
      adouble y = wl.f(ax.data(), x0.data());
      double yv;
      y >>= yv;
      trace_off();
    }
    return
        [tag, n = static_cast<int>(wl.n())](const double* x, double* g) { gradient(tag, n, x, g); };
  });
#endif
#if TT_BENCH_BOOST
  add(workload, w, "boost_fvar", [](const W& wl, const vec&) {
    using F = boost::math::differentiation::autodiff_fvar<double, 1>;
    return [&wl, xs = std::vector<F>(wl.n())](const double* x, double* g) mutable {
      for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = F(x[i]);
      for (std::size_t i = 0; i < xs.size(); ++i) {  // one forward pass per input
        xs[i] = boost::math::differentiation::make_fvar<double, 1>(x[i]);
        g[i] = wl.f(xs.data(), x).derivative(1);
        xs[i] = F(x[i]);
      }
    };
  });
#endif
#if TT_BENCH_EIGEN
  add(workload, w, "eigen_autodiff", [](const W& wl, const vec&) {
    using A = Eigen::AutoDiffScalar<Eigen::VectorXd>;
    return [&wl, xs = std::vector<A>(wl.n())](const double* x, double* g) mutable {
      const auto n = static_cast<Eigen::Index>(xs.size());
      for (Eigen::Index i = 0; i < n; ++i) xs[std::size_t(i)] = A(x[i], n, i);
      const A y = wl.f(xs.data(), x);
      for (Eigen::Index i = 0; i < n; ++i) g[i] = y.derivatives()[i];
    };
  });
#endif
}

}  // namespace
