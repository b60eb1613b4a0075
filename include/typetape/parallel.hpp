// Every core: gradients over data shards on oneTBB's threads (opt in: this header needs
// oneTBB, Debian libtbb-dev, and linking -ltbb; the rest of typetape needs nothing).
//
//   // the loss of items [b, e) of the data, as one expression type
//   auto shard = [&](std::size_t b, std::size_t e) { return tt::sum(tt::square(...)); };
//   auto [loss, grads] = tt::parallel::reduce_sum(n, shard, model.params());
//
// The guarantee: the data is cut into shards by n and the grain alone (halved until a shard
// has at most grain items; never by the number of threads), each shard's gradient is computed on
// its own, and the shards' results are added in one fixed tree; so the value and every gradient are
// bitwise identical for any number of threads, 1 included. The serial sum over the whole range (one
// shard) may differ from them in the last bits, as any reassociated floating-point sum does.
//
// Thread safety (what this header relies on, and what users may rely on too):
//  - variables, constants and expressions may be read from any number of threads at once;
//    nothing in typetape writes to them while recording or differentiating;
//  - a tape records on one thread; a persistent tape's gradient() is const and may then be
//    called from several threads at once (tt::parallel::jacobian below does);
//  - an optimizer's step, a variable's set() and a non-persistent tape's gradient() (which
//    consumes it) need exclusive access, as writes to any C++ object do.
// OpenBLAS has threads of its own. Inside TBB workers a matmul should run on its worker alone,
// or the two pools oversubscribe the cores: call openblas_set_num_threads(1) (OpenBLAS's
// cblas.h) before parallel work, or run with OPENBLAS_NUM_THREADS=1. typetape does neither
// for you: a header does not change a library's configuration.
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <tuple>
#include <utility>

#include "tensor.hpp"

namespace tt::parallel {

/// How finely the work is cut. grain 0 (the default) cuts n items into 64 shards (fewer when n
/// is smaller): enough for load balance up to a few dozen threads, few enough that each shard's
/// recording is worth its cost. The cut depends on n and the grain only.
struct options {
  std::size_t grain = 0;
};

namespace detail {

inline std::size_t grain_of(std::size_t n, options o) {
  if (o.grain != 0) return o.grain;
  return std::max<std::size_t>(1, (n + 63) / 64);
}

/// a += b for one gradient: a number, a tensor (in place, as the tape accumulates adjoints),
/// or a tuple of them.
template <class G>
void add_into(G& a, const G& b) {
  if constexpr (requires { std::tuple_size<G>::value; })
    tt::detail::static_for<std::tuple_size_v<G>>(
        [&](auto i) { add_into(std::get<i>(a), std::get<i>(b)); });
  else if constexpr (tensor_like<G>)
    tt::detail::add_into(a, b);
  else
    a += b;
}

/// The shards' results, summed in the deterministic tree; the value too if WithValue.
template <bool WithValue, class Body, class Sources>
auto shard_sum(std::size_t n, Body& body, const Sources& sources, options o) {
  using E = std::invoke_result_t<Body&, std::size_t, std::size_t>;
  using G = decltype(tt::gradient(std::declval<const E&>(), sources));
  using T = typename E::value_type;
  // a shard's result, or none yet (the reduction's identity: a zero gradient has no shape)
  struct partial {
    bool has = false;
    tt::value_with_gradient<T, G> r{};
  };
  if constexpr (std::is_same_v<G, void>) {
    return tt::value_with_gradient<T, G>{};  // a diagnostic was reported
  } else {
    const auto shard = [&](std::size_t b, std::size_t e) {
      const E ex = body(b, e);
      if constexpr (WithValue)
        return tt::value_and_gradient(ex, sources);
      else  // the short form: a loop's forward pass is skipped when nothing reads its value
        return tt::value_with_gradient<T, G>{T(0), tt::gradient(ex, sources)};
    };
    const partial total = oneapi::tbb::parallel_deterministic_reduce(
        oneapi::tbb::blocked_range<std::size_t>(0, n, grain_of(n, o)), partial{},
        [&](const oneapi::tbb::blocked_range<std::size_t>& r, partial acc) {
          partial one{true, shard(r.begin(), r.end())};
          if (!acc.has) return one;
          acc.r.value += one.r.value;
          add_into(acc.r.gradient, one.r.gradient);
          return acc;
        },
        [](partial a, const partial& b) {
          if (!a.has) return b;
          if (!b.has) return a;
          a.r.value += b.r.value;
          add_into(a.r.gradient, b.r.gradient);
          return a;
        },
        oneapi::tbb::simple_partitioner{});
    return total.has ? total.r : shard(0, 0);  // n == 0: the one empty shard
  }
}

}  // namespace detail

/// The sum over shards of body(b, e), a scalar expression of items [b, e) of n, and its
/// gradient w.r.t. sources (one variable, or a tuple of them), on all of TBB's threads, as
/// {value, gradient}; bitwise identical for any number of threads. The misuses of
/// tt::gradient are compile errors here too (the body's expression type is checked once). An
/// exception from a shard (a bad shape, say) reaches the caller; nothing is written anywhere
/// but the returned value. The value costs a forward pass of each shard, which the gradient
/// alone does not need for a tt::sum_over body: sum_gradient skips it.
template <class Body, class Sources>
  requires expression<std::invoke_result_t<Body&, std::size_t, std::size_t>>
auto reduce_sum(std::size_t n, Body&& body, const Sources& sources, options o = {}) {
  return detail::shard_sum<true>(n, body, sources, o);
}
/// As reduce_sum, the gradient only (in the sources' structure).
template <class Body, class Sources>
  requires expression<std::invoke_result_t<Body&, std::size_t, std::size_t>>
auto sum_gradient(std::size_t n, Body&& body, const Sources& sources, options o = {}) {
  return detail::shard_sum<false>(n, body, sources, o).gradient;
}

/// tt::batch_gradient_into on TBB's threads: the points are cut into shards whose length is
/// a multiple of the SIMD width, so each point's gradient is the serial call's, bit for bit.
template <class E, class Sources, class T, std::size_t NS>
  requires expression<E>
void batch_gradient_into(const E& f, const Sources& sources,
                         const std::array<std::span<const T>, NS>& points,
                         const std::array<std::span<T>, NS>& out, options o = {}) {
  const std::size_t n = tt::detail::batch_points(points, out);  // before cutting them
  constexpr std::size_t width = xsimd::batch<T>::size;
  const std::size_t grain = (detail::grain_of(n, o) + width - 1) / width * width;
  oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<std::size_t>(0, (n + grain - 1) / grain, 1),
                            [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
                              const std::size_t b = r.begin() * grain,
                                                e = std::min(n, r.end() * grain);
                              std::array<std::span<const T>, NS> in{};
                              std::array<std::span<T>, NS> to{};
                              for (std::size_t j = 0; j < NS; ++j) {
                                in[j] = points[j].subspan(b, e - b);
                                to[j] = out[j].subspan(b, e - b);
                              }
                              tt::batch_gradient_into(f, sources, in, to);
                            });
}

/// tt::jacobian of a tensor expression on TBB's threads: one recording (a persistent tape,
/// asked from every thread at once), rows [b, e) of J per task. Equal to the serial Jacobian
/// bit for bit: each row is one backward pass either way.
template <class Y, class S>
  requires expression<Y> && tensor_like<typename Y::value_type>
auto jacobian(const Y& y, const S& x, options o = {}) {
  using checked = decltype(tt::gradient(tt::sum(y), x));  // the usual diagnostics
  [[maybe_unused]] constexpr std::size_t gradient_checked_first = sizeof(checked*);
  tt::detail::jacobian_work<Y, S> w(y, x);
  const std::size_t m = w.yv.size();
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, m, detail::grain_of(m, o)),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) { w.rows(y, x, r.begin(), r.end()); });
  return std::move(w.J);
}

/// tt::hessian on TBB's threads, a column (one forward-over-reverse pass) per task; equal to
/// the serial Hessian bit for bit. Worth it for many sources or a costly f.
template <class E, class Sources>
  requires expression<E>
auto hessian(const E& f, const Sources& sources) {
  using serial = decltype(tt::hessian(f, sources));  // the diagnostics of tt::hessian
  if constexpr (!tt::detail::higher_takes<E, Sources>) {
    return serial{};
  } else {
    return tt::detail::higher<E, Sources>::hessian(
        f, sources, [](const auto& column, std::size_t count) {
          oneapi::tbb::parallel_for(std::size_t{0}, count, column);
        });
  }
}

}  // namespace tt::parallel

#endif  // TYPETAPE_LANGUAGE_OK
