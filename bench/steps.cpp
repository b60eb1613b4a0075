// The report's tensor workloads, one training step each, side by side (Google Benchmark):
//   mlp32, mlp256  an MLP step: batch 64, 784 inputs, two tanh hidden layers of width 32
//                  (or 256), 10 classes, softmax cross-entropy, SGD update of all six
//                  parameters; mlp32_f32 and mlp256_f32 the same in float;
//   rnn_bptt       an RNN step: h_t = tanh(x_t U + h_{t-1} W + b), hidden 32, batch 16,
//                  16 inputs, 50 steps, loss mean((h_50 - target)^2), backpropagation
//                  through time, SGD update;
//   conv2d         a conv layer's gradient: tanh(conv2d(x, F) + bias), x 28x28x3 (NHWC),
//                  10 filters 3x3 (HWCF), SAME padding, loss mean((y - target)^2), w.r.t.
//                  F and bias;
//   rnn_bptt_f32, conv2d_f32  the same two in float.
// Contenders: hand-written (cblas GEMMs and loops, buffers allocated once: the limit) and
// typetape. bench/torch_steps.py times the same steps in PyTorch, from the same values:
// element k of a parameter is scale * sin(0.7 k + t), of an input cos(a k). Each
// typetape gradient is compared with the hand-written one before timing; the initial
// loss is reported as the counter loss0, for a cross-check with PyTorch's.
#include <benchmark/benchmark.h>

#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <typetape/tensor.hpp>
#include <vector>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using T4 = xt::xtensor<double, 4>;

template <class T, std::size_t R>
T det(const std::size_t (&shape)[R], double t, double scale) {
  T a = T::from_shape(shape);
  for (std::size_t k = 0; k < a.size(); ++k) a.data()[k] = scale * std::sin(0.7 * double(k) + t);
  return a;
}
template <class T, std::size_t R>
T inp(const std::size_t (&shape)[R], double a) {
  T x = T::from_shape(shape);
  for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = std::cos(a * double(k));
  return x;
}

/// Ends the program unless got matches want to tol (1e-10 in double) of want's largest element.
template <class A, class B>
void check(const std::string& what, const A& got, const B& want, double tol = 1e-10) {
  double scale = 1e-300, worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    scale = std::max(scale, std::abs(double(want.data()[i])));
  bool ok = got.size() == want.size();
  for (std::size_t i = 0; ok && i < want.size(); ++i) {
    const double e = std::abs(double(got.data()[i]) - double(want.data()[i]));
    ok = !std::isnan(e);
    worst = std::max(worst, e);
  }
  if (!ok || !(worst <= tol * scale)) {
    std::fprintf(
        stderr,
        "%s: gradient differs from the hand-written one before timing (max error %g of %g)\n",
        what.c_str(), worst, scale);
    std::exit(1);
  }
}

/// check's tolerance for gradients in E: in float, typetape and the hand-written step sum in
/// different orders (sgemm's blocking, the fused loops).
template <class E>
constexpr double tolerance = std::is_same_v<E, float> ? 1e-4 : 1e-10;

/// C = op(A) op(B) (+ C if acc), row-major, op = transpose if t.
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a,
          const double* b, double* c, bool acc = false) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), 1.0, a, ta ? int(m) : int(k), b, tb ? int(k) : int(n),
              acc ? 1.0 : 0.0, c, int(n));
}
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
          const float* b, float* c, bool acc = false) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), 1.0f, a, ta ? int(m) : int(k), b, tb ? int(k) : int(n),
              acc ? 1.0f : 0.0f, c, int(n));
}
/// Adds row vector b (n) to every row of z (m x n) and applies tanh, on xsimd batches
/// (std::tanh does not vectorise, and would make the hand-written step 30% slower).
/// Rows of a width that is not a whole number of batches (conv2d's 10 filters, 16 float lanes
/// with AVX-512) are taken as one flat array, the bias read from a tile of it repeated.
template <class E>
void bias_tanh(E* z, const E* b, std::size_t m, std::size_t n) {
  using B = xsimd::batch<E>;
  constexpr std::size_t tile_max = 256;
  if (n % B::size != 0 && n + B::size <= tile_max) {
    E tile[tile_max];
    for (std::size_t j = 0; j < n + B::size; ++j) tile[j] = b[j % n];
    const std::size_t total = m * n;
    std::size_t k = 0, off = 0;  // off = k mod n
    for (; k + B::size <= total; k += B::size) {
      xsimd::tanh(B::load_unaligned(z + k) + B::load_unaligned(tile + off)).store_unaligned(z + k);
      off += B::size;
      while (off >= n) off -= n;
    }
    for (; k < total; ++k) z[k] = std::tanh(z[k] + b[k % n]);
    return;
  }
  for (std::size_t i = 0; i < m; ++i) {
    E* row = z + i * n;
    std::size_t j = 0;
    for (; j + B::size <= n; j += B::size)
      xsimd::tanh(B::load_unaligned(row + j) + B::load_unaligned(b + j)).store_unaligned(row + j);
    for (; j < n; ++j) row[j] = std::tanh(row[j] + b[j]);
  }
}
/// gb = column sums of d (m x n).
template <class E>
void col_sums(const E* d, E* gb, std::size_t m, std::size_t n) {
  std::fill(gb, gb + n, E(0));
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) gb[j] += d[i * n + j];
}
template <class T>
void sgd(T& p, const T& g, double lr) {
  using E = std::remove_cvref_t<decltype(*p.data())>;
  for (std::size_t i = 0; i < p.size(); ++i) p.data()[i] -= E(lr) * g.data()[i];
}
constexpr double lr = 0.01;

// ---- MLP -----------------------------------------------------------------------------------
constexpr std::size_t batch = 64, features = 784, classes = 10;

/// E: double, or float (the _f32 workloads: twice the SIMD lanes, sgemm).
template <class E>
struct mlp_data {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  std::size_t h;
  V2 x = inp<V2>({batch, features}, 0.013), y = V2::from_shape({batch, classes});
  std::vector<V2> w;  // W1, W2, W3
  std::vector<V1> b;  // b1, b2, b3
  explicit mlp_data(std::size_t width) : h(width) {
    y.fill(0);
    for (std::size_t i = 0; i < batch; ++i) y(i, i % classes) = 1;
    const double s1 = 0.5 / std::sqrt(double(features)), s2 = 0.5 / std::sqrt(double(h));
    w = {det<V2>({features, h}, 0, s1), det<V2>({h, h}, 2, s2), det<V2>({h, classes}, 4, s2)};
    b = {det<V1>({h}, 1, s1), det<V1>({h}, 3, s2), det<V1>({classes}, 5, s2)};
  }
};

/// The hand-written step: three GEMMs forward, five backward, buffers kept between steps.
template <class E>
struct mlp_hand {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  mlp_data<E> p;
  V2 a1, a2, z3, d3, d2, d1;
  std::vector<V2> gw;
  std::vector<V1> gb;
  explicit mlp_hand(std::size_t h)
      : p(h),
        a1(V2::from_shape({batch, h})),
        a2(a1),
        z3(V2::from_shape({batch, classes})),
        d3(z3),
        d2(a1),
        d1(a1),
        gw{p.w[0], p.w[1], p.w[2]},
        gb{p.b[0], p.b[1], p.b[2]} {}
  double gradient() {
    const std::size_t h = p.h;
    gemm(false, false, batch, h, features, p.x.data(), p.w[0].data(), a1.data());
    bias_tanh(a1.data(), p.b[0].data(), batch, h);
    gemm(false, false, batch, h, h, a1.data(), p.w[1].data(), a2.data());
    bias_tanh(a2.data(), p.b[1].data(), batch, h);
    gemm(false, false, batch, classes, h, a2.data(), p.w[2].data(), z3.data());
    double loss = 0;
    for (std::size_t i = 0; i < batch; ++i) {  // softmax cross-entropy; d3 = (softmax - y) / batch
      E* z = &z3(i, 0);
      E m = -std::numeric_limits<E>::infinity(), s = 0;
      for (std::size_t c = 0; c < classes; ++c) z[c] += p.b[2](c), m = std::max(m, z[c]);
      for (std::size_t c = 0; c < classes; ++c) s += (d3(i, c) = std::exp(z[c] - m));
      const E lse = m + std::log(s);
      for (std::size_t c = 0; c < classes; ++c) {
        loss -= double(p.y(i, c) * (z[c] - lse));
        d3(i, c) = (d3(i, c) / s - p.y(i, c)) / E(batch);
      }
    }
    gemm(true, false, h, classes, batch, a2.data(), d3.data(), gw[2].data());
    col_sums(d3.data(), gb[2].data(), batch, classes);
    gemm(false, true, batch, h, classes, d3.data(), p.w[2].data(), d2.data());
    for (std::size_t i = 0; i < d2.size(); ++i) d2.data()[i] *= 1 - a2.data()[i] * a2.data()[i];
    gemm(true, false, h, h, batch, a1.data(), d2.data(), gw[1].data());
    col_sums(d2.data(), gb[1].data(), batch, h);
    gemm(false, true, batch, h, h, d2.data(), p.w[1].data(), d1.data());
    for (std::size_t i = 0; i < d1.size(); ++i) d1.data()[i] *= 1 - a1.data()[i] * a1.data()[i];
    gemm(true, false, features, h, batch, p.x.data(), d1.data(), gw[0].data());
    col_sums(d1.data(), gb[0].data(), batch, h);
    return loss / double(batch);
  }
  void step() {
    gradient();
    for (std::size_t i = 0; i < 3; ++i) sgd(p.w[i], gw[i], lr), sgd(p.b[i], gb[i], lr);
  }
};

template <class E>
struct mlp_vars {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  tt::variable<"W1", V2> W1;
  tt::variable<"b1", V1> b1;
  tt::variable<"W2", V2> W2;
  tt::variable<"b2", V1> b2;
  tt::variable<"W3", V2> W3;
  tt::variable<"b3", V1> b3;
  explicit mlp_vars(const mlp_data<E>& p)
      : W1{p.w[0]}, b1{p.b[0]}, W2{p.w[1]}, b2{p.b[1]}, W3{p.w[2]}, b3{p.b[2]} {}
  auto all() { return std::tie(W1, b1, W2, b2, W3, b3); }
};
template <class E>
auto mlp_loss(mlp_vars<E>& v, const mlp_data<E>& p) {
  auto h1 = tt::tanh(tt::matmul(p.x, v.W1) + v.b1);
  auto h2 = tt::tanh(tt::matmul(h1, v.W2) + v.b2);
  return tt::cross_entropy(tt::matmul(h2, v.W3) + v.b3, p.y);
}

template <class E>
void mlp_hand_bench(benchmark::State& st, std::size_t h) {
  mlp_hand<E> m(h);
  st.counters["loss0"] = m.gradient();
  for (auto _ : st) {
    m.step();
    benchmark::ClobberMemory();
  }
}
/// Plan: the same step through a tt::gradient_plan, whose records are kept between calls.
template <class E, bool Plan = false>
void mlp_typetape_bench(benchmark::State& st, std::size_t h) {
  mlp_hand<E> m(h);
  const mlp_data<E> p(h);
  mlp_vars<E> v(p);
  const auto loss = mlp_loss(v, p);
  // the gradients kept between steps: tt::gradient_into reuses their storage
  auto g = tt::gradient(loss, v.all());
  {
    m.gradient();
    const auto& [g1, g2, g3, g4, g5, g6] = g;
    const std::string what = "mlp" + std::to_string(h);
    const double tol = tolerance<E>;
    check(what, g1, m.gw[0], tol), check(what, g2, m.gb[0], tol), check(what, g3, m.gw[1], tol);
    check(what, g4, m.gb[1], tol), check(what, g5, m.gw[2], tol), check(what, g6, m.gb[2], tol);
    st.counters["loss0"] = double(tt::eval(loss));
  }
  const E step = E(-lr);
  auto& [g1, g2, g3, g4, g5, g6] = g;
  [[maybe_unused]] auto plan = tt::plan_gradient(loss, v.all());
  for (auto _ : st) {
    if constexpr (Plan)
      plan.into(g);
    else
      tt::gradient_into(loss, v.all(), g);
    // an update in place: `v.W1 -= lr * g1` would evaluate lr * g1 into a temporary first
    g1 *= step, g2 *= step, g3 *= step, g4 *= step, g5 *= step, g6 *= step;
    v.W1 += g1, v.b1 += g2, v.W2 += g3, v.b2 += g4, v.W3 += g5, v.b3 += g6;
    benchmark::ClobberMemory();
  }
}

// (BENCHMARK_CAPTURE takes a plain function name)
void mlp_hand_f64(benchmark::State& st, std::size_t h) { mlp_hand_bench<double>(st, h); }
void mlp_typetape_f64(benchmark::State& st, std::size_t h) { mlp_typetape_bench<double>(st, h); }
void mlp_hand_f32(benchmark::State& st, std::size_t h) { mlp_hand_bench<float>(st, h); }
void mlp_typetape_f32(benchmark::State& st, std::size_t h) { mlp_typetape_bench<float>(st, h); }
void mlp_plan_f64(benchmark::State& st, std::size_t h) { mlp_typetape_bench<double, true>(st, h); }
void mlp_plan_f32(benchmark::State& st, std::size_t h) { mlp_typetape_bench<float, true>(st, h); }

// ---- RNN, backpropagation through time -----------------------------------------------------
constexpr std::size_t rb = 16, rin = 16, rh = 32, steps = 50;

/// E: double, or float (rnn_bptt_f32: sgemm, twice the SIMD lanes).
template <class E>
struct rnn_data {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  std::vector<V2> xs;
  V2 target = inp<V2>({rb, rh}, 0.029), U = det<V2>({rin, rh}, 0, 0.5 / std::sqrt(double(rin))),
     W = det<V2>({rh, rh}, 1, 0.5 / std::sqrt(double(rh)));
  V1 b = det<V1>({rh}, 2, 0.1);
  rnn_data() {
    for (std::size_t t = 0; t < steps; ++t)
      xs.push_back(inp<V2>({rb, rin}, 0.017 + 0.001 * double(t)));
  }
};

template <class E>
struct rnn_hand {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  rnn_data<E> p;
  std::vector<V2> hs;  // h_1 .. h_50
  V2 dh = V2::from_shape({rb, rh}), dz = dh, gU = p.U, gW = p.W;
  V1 gb = p.b, gbt = p.b;
  rnn_hand() : hs(steps, V2::from_shape({rb, rh})) {}
  double gradient() {
    for (std::size_t t = 0; t < steps; ++t) {
      gemm(false, false, rb, rh, rin, p.xs[t].data(), p.U.data(), hs[t].data());
      if (t > 0) gemm(false, false, rb, rh, rh, hs[t - 1].data(), p.W.data(), hs[t].data(), true);
      bias_tanh(hs[t].data(), p.b.data(), rb, rh);
    }
    const E n = E(rb * rh);
    double loss = 0;
    for (std::size_t i = 0; i < dh.size(); ++i) {
      const E e = hs.back().data()[i] - p.target.data()[i];
      loss += double(e * e);
      dh.data()[i] = 2 * e / n;
    }
    gU.fill(0), gW.fill(0), gb.fill(0);
    for (std::size_t t = steps; t-- > 0;) {
      for (std::size_t i = 0; i < dz.size(); ++i)
        dz.data()[i] = dh.data()[i] * (1 - hs[t].data()[i] * hs[t].data()[i]);
      gemm(true, false, rin, rh, rb, p.xs[t].data(), dz.data(), gU.data(), true);
      col_sums(dz.data(), gbt.data(), rb, rh);
      gb += gbt;
      if (t > 0) {
        gemm(true, false, rh, rh, rb, hs[t - 1].data(), dz.data(), gW.data(), true);
        gemm(false, true, rb, rh, rh, dz.data(), p.W.data(), dh.data());
      }
    }
    return loss / double(n);
  }
  void step() {
    gradient();
    sgd(p.U, gU, lr), sgd(p.W, gW, lr), sgd(p.b, gb, lr);
  }
};

/// typetape before scan: one recorded tape per time step, chained backwards with
/// output_gradients. (Unrolling the 50 steps into one expression type took g++ 12
/// 286 s and 13 GB to compile.)
using uvar = tt::variable<"U", T2>;
using wvar = tt::variable<"W", T2>;
using bvar = tt::variable<"b", T1>;
using hvar = tt::variable<"h", T2>;
/// One step: h' = tanh(x U + h W + b).
auto rnn_step(const T2& x, uvar& U, wvar& W, bvar& b, hvar& h) {
  return tt::tanh(tt::matmul(x, U) + tt::matmul(h, W) + b);
}
using rnn_step_t =
    decltype(rnn_step(std::declval<const T2&>(), std::declval<uvar&>(), std::declval<wvar&>(),
                      std::declval<bvar&>(), std::declval<hvar&>()));

struct rnn_typetape {
  const rnn_data<double>& p;
  uvar U{p.U};
  wvar W{p.W};
  bvar b{p.b};
  hvar last{T2::from_shape({rb, rh})};
  std::vector<std::unique_ptr<hvar>> hs;  // h_0 .. h_49, each step's input state
  std::vector<rnn_step_t> step;
  std::vector<std::optional<decltype(tt::record(std::declval<const rnn_step_t&>()))>> tapes;
  decltype(tt::mse(last, p.target)) loss = tt::mse(last, p.target);

  explicit rnn_typetape(const rnn_data<double>& d) : p(d), tapes(steps) {
    for (std::size_t t = 0; t < steps; ++t) {
      hs.push_back(std::make_unique<hvar>(T2(xt::zeros<double>({rb, rh}))));
      step.push_back(rnn_step(p.xs[t], U, W, b, *hs[t]));
    }
  }
  /// Forward through the 50 step tapes, then backward; the three gradients.
  std::tuple<T2, T2, T1> gradient() {
    for (std::size_t t = 0; t < steps; ++t) {
      tapes[t].emplace(tt::record(step[t]));
      (t + 1 < steps ? *hs[t + 1] : last) = tapes[t]->value();
    }
    T2 dh = tt::gradient(loss, last);
    std::tuple<T2, T2, T1> g{xt::zeros<double>({rin, rh}), xt::zeros<double>({rh, rh}),
                             xt::zeros<double>({rh})};
    for (std::size_t t = steps; t-- > 0;) {
      auto [gU, gW, gb, gh] = std::move(*tapes[t]).gradient(step[t], std::tie(U, W, b, *hs[t]),
                                                            tt::output_gradients(dh));
      std::get<0>(g) += gU, std::get<1>(g) += gW, std::get<2>(g) += gb;
      dh = std::move(gh);
    }
    return g;
  }
};

/// typetape with tt::scan: the cell is one expression type over the 50 steps (every > 0:
/// checkpointing, the state kept every `every` steps and the rest recomputed).
template <class E, bool Plan = false>
void rnn_scan_bench(benchmark::State& st, std::size_t every) {
  using V1 = xt::xtensor<E, 1>;
  using V2 = xt::xtensor<E, 2>;
  using V3 = xt::xtensor<E, 3>;
  rnn_hand<E> r;
  const rnn_data<E> p;
  tt::variable<"U", V2> U{p.U};
  tt::variable<"W", V2> W{p.W};
  tt::variable<"b", V1> b{p.b};
  V3 xs = V3::from_shape({steps, rb, rin});
  for (std::size_t t = 0; t < steps; ++t)
    std::copy(p.xs[t].begin(), p.xs[t].end(), xs.data() + t * rb * rin);
  const V2 h0 = xt::zeros<E>({rb, rh});
  auto cell = [&](const auto& h, const auto& x) {
    return tt::tanh(tt::matmul(x, U) + tt::matmul(h, W) + b);
  };
  auto loss = tt::mse(tt::scan<"rnn">(cell, h0, xs, tt::checkpoint{every}), p.target);
  auto g = tt::gradient(loss, std::tie(U, W, b));  // kept between steps (gradient_into)
  auto& [gU, gW, gb] = g;
  {
    r.gradient();
    const double tol = tolerance<E>;
    check("rnn_bptt (scan) U", gU, r.gU, tol), check("rnn_bptt (scan) W", gW, r.gW, tol),
        check("rnn_bptt (scan) b", gb, r.gb, tol);
    st.counters["loss0"] = double(tt::eval(loss));
  }
  [[maybe_unused]] auto plan = tt::plan_gradient(loss, std::tie(U, W, b));
  for (auto _ : st) {
    if constexpr (Plan)
      plan.into(g);
    else
      tt::gradient_into(loss, std::tie(U, W, b), g);
    gU *= E(-lr), gW *= E(-lr), gb *= E(-lr);
    U += gU, W += gW, b += gb;
    benchmark::ClobberMemory();
  }
}

void rnn_scan_f64(benchmark::State& st, std::size_t every) { rnn_scan_bench<double>(st, every); }
void rnn_scan_f32(benchmark::State& st, std::size_t every) { rnn_scan_bench<float>(st, every); }
void rnn_plan_f64(benchmark::State& st, std::size_t every) {
  rnn_scan_bench<double, true>(st, every);
}
void rnn_plan_f32(benchmark::State& st, std::size_t every) {
  rnn_scan_bench<float, true>(st, every);
}

template <class E>
void rnn_hand_bench(benchmark::State& st) {
  rnn_hand<E> r;
  st.counters["loss0"] = r.gradient();
  for (auto _ : st) {
    r.step();
    benchmark::ClobberMemory();
  }
}
void rnn_typetape_bench(benchmark::State& st) {
  rnn_hand<double> r;
  const rnn_data<double> p;
  rnn_typetape m(p);
  {
    r.gradient();
    const auto [gU, gW, gb] = m.gradient();
    check("rnn_bptt U", gU, r.gU), check("rnn_bptt W", gW, r.gW), check("rnn_bptt b", gb, r.gb);
    st.counters["loss0"] = tt::eval(m.loss);
  }
  for (auto _ : st) {
    auto [gU, gW, gb] = m.gradient();
    gU *= -lr, gW *= -lr, gb *= -lr;
    m.U += gU, m.W += gW, m.b += gb;
    benchmark::ClobberMemory();
  }
}

// ---- conv2d layer ----------------------------------------------------------------------------
constexpr std::size_t side = 28, chans = 3, filters = 10, kk = 3, taps = kk * kk * chans,
                      pixels = side * side;

/// E: double, or float (conv2d_f32).
template <class E>
struct conv_data {
  using V4 = xt::xtensor<E, 4>;
  V4 x = inp<V4>({1, side, side, chans}, 0.011), f = det<V4>({kk, kk, chans, filters}, 0, 0.2),
     target = inp<V4>({1, side, side, filters}, 0.019);
  xt::xtensor<E, 1> bias = det<xt::xtensor<E, 1>>({filters}, 1, 0.1);
};

/// im2col + one GEMM forward, one GEMM for the filters' gradient.
template <class E>
struct conv_hand {
  using V2 = xt::xtensor<E, 2>;
  conv_data<E> p;
  V2 cols = V2::from_shape({pixels, taps}), y = V2::from_shape({pixels, filters}),
     gf = V2::from_shape({taps, filters});
  xt::xtensor<E, 1> gb = p.bias;
  double gradient() {
    // im2col: for each output pixel and filter row, the in-bounds taps' channels are one run
    // of adjacent input (SAME: one pixel of zeros around, left as the fill wrote it)
    std::fill(cols.begin(), cols.end(), E(0));
    const E* xp = p.x.data();
    for (std::size_t r = 0; r < side; ++r)
      for (std::size_t c = 0; c < side; ++c) {
        const std::size_t j0 = c == 0 ? 1 : 0, j1 = c + 1 == side ? kk - 1 : kk;
        E* row = cols.data() + (r * side + c) * taps;
        for (std::size_t i = 0; i < kk; ++i) {
          const std::size_t rr = r + i - 1;  // wraps below 0
          if (rr >= side) continue;
          const E* from = xp + (rr * side + (c + j0 - 1)) * chans;
          E* to = row + (i * kk + j0) * chans;
          for (std::size_t k = 0; k < (j1 - j0) * chans; ++k) to[k] = from[k];
        }
      }
    gemm(false, false, pixels, filters, taps, cols.data(), p.f.data(), y.data());
    bias_tanh(y.data(), p.bias.data(), pixels, filters);
    const E n = E(y.size());
    double loss = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      const E a = y.data()[i], e = a - p.target.data()[i];
      loss += double(e * e);
      y.data()[i] = 2 * e / n * (1 - a * a);
    }
    gemm(true, false, taps, filters, pixels, cols.data(), y.data(), gf.data());
    col_sums(y.data(), gb.data(), pixels, filters);
    return loss / double(n);
  }
};

template <class E>
void conv_hand_bench(benchmark::State& st) {
  conv_hand<E> c;
  st.counters["loss0"] = c.gradient();
  for (auto _ : st) {
    c.gradient();
    benchmark::DoNotOptimize(c.gf.data());
    benchmark::DoNotOptimize(c.gb.data());
  }
}
template <class E, bool Plan = false>
void conv_typetape_bench(benchmark::State& st) {
  conv_hand<E> c;
  const conv_data<E> p;
  tt::variable<"F", xt::xtensor<E, 4>> f{p.f};
  tt::variable<"bias", xt::xtensor<E, 1>> bias{p.bias};
  const auto loss =
      tt::mse(tt::tanh(tt::conv2d(p.x, f, {.pad = tt::padding::same}) + bias), p.target);
  auto g = tt::gradient(loss, std::tie(f, bias));  // kept between calls (gradient_into)
  auto& [gf, gb] = g;
  {
    c.gradient();
    const double tol = tolerance<E>;
    check("conv2d F", gf, c.gf, tol), check("conv2d bias", gb, c.gb, tol);
    st.counters["loss0"] = double(tt::eval(loss));
  }
  [[maybe_unused]] auto plan = tt::plan_gradient(loss, std::tie(f, bias));
  for (auto _ : st) {
    if constexpr (Plan)
      plan.into(g);
    else
      tt::gradient_into(loss, std::tie(f, bias), g);
    benchmark::DoNotOptimize(gf.data());
    benchmark::DoNotOptimize(gb.data());
  }
}

}  // namespace

BENCHMARK_CAPTURE(mlp_hand_f64, 32, 32)->Name("mlp32/hand");
BENCHMARK_CAPTURE(mlp_typetape_f64, 32, 32)->Name("mlp32/typetape");
BENCHMARK_CAPTURE(mlp_plan_f64, 32, 32)->Name("mlp32/typetape_plan");
BENCHMARK_CAPTURE(mlp_hand_f64, 256, 256)->Name("mlp256/hand");
BENCHMARK_CAPTURE(mlp_typetape_f64, 256, 256)->Name("mlp256/typetape");
BENCHMARK_CAPTURE(mlp_plan_f64, 256, 256)->Name("mlp256/typetape_plan");
BENCHMARK_CAPTURE(mlp_hand_f32, 32, 32)->Name("mlp32_f32/hand");
BENCHMARK_CAPTURE(mlp_typetape_f32, 32, 32)->Name("mlp32_f32/typetape");
BENCHMARK_CAPTURE(mlp_plan_f32, 32, 32)->Name("mlp32_f32/typetape_plan");
BENCHMARK_CAPTURE(mlp_hand_f32, 256, 256)->Name("mlp256_f32/hand");
BENCHMARK_CAPTURE(mlp_typetape_f32, 256, 256)->Name("mlp256_f32/typetape");
BENCHMARK_CAPTURE(mlp_plan_f32, 256, 256)->Name("mlp256_f32/typetape_plan");
BENCHMARK(rnn_hand_bench<double>)->Name("rnn_bptt/hand");
BENCHMARK_CAPTURE(rnn_scan_f64, all, 0)->Name("rnn_bptt/typetape");
BENCHMARK_CAPTURE(rnn_plan_f64, all, 0)->Name("rnn_bptt/typetape_plan");
BENCHMARK_CAPTURE(rnn_scan_f64, checkpoint, 10)->Name("rnn_bptt/typetape_checkpoint_10");
BENCHMARK(rnn_typetape_bench)->Name("rnn_bptt/typetape_step_tapes");
BENCHMARK(rnn_hand_bench<float>)->Name("rnn_bptt_f32/hand");
BENCHMARK_CAPTURE(rnn_scan_f32, all, 0)->Name("rnn_bptt_f32/typetape");
BENCHMARK_CAPTURE(rnn_plan_f32, all, 0)->Name("rnn_bptt_f32/typetape_plan");
BENCHMARK(conv_hand_bench<double>)->Name("conv2d/hand");
BENCHMARK(conv_typetape_bench<double>)->Name("conv2d/typetape");
BENCHMARK(conv_typetape_bench<double, true>)->Name("conv2d/typetape_plan");
BENCHMARK(conv_hand_bench<float>)->Name("conv2d_f32/hand");
BENCHMARK(conv_typetape_bench<float>)->Name("conv2d_f32/typetape");
BENCHMARK(conv_typetape_bench<float, true>)->Name("conv2d_f32/typetape_plan");

BENCHMARK_MAIN();
