// Gradients of a scalar expression at many points at once. The expression's tree is
// re-instantiated on xsimd batches: every source becomes a lane that reads
// `batch::size` points, every other leaf a broadcast constant, and one forward and
// one backward pass give the gradients at all those points (a scalar tail finishes).
//
//   tt::variable<"x"> x; tt::variable<"y"> y;
//   auto e = tt::exp(-(x * x + y * y));
//   auto [gx, gy] = tt::batch_gradient(e, std::tie(x, y), xs, ys);  // xs, ys: n points each
#pragma once

#include <span>
#include <vector>

#include "../tape/tape.hpp"
#include "tensor.hpp"

namespace tt {
namespace detail {

/// The lanes of batch_gradient: xsimd batches, or plain numbers for the tail.
template <bool Simd>
struct simd_lanes {
  template <class T>
  using type = lane_t<T, Simd>;
};

/// The sources' values as a tuple of lanes (batches, or numbers for the tail).
template <class Values, bool Simd>
struct lanes_of;
template <class... V, bool Simd>
struct lanes_of<tlist<V...>, Simd> {
  using type = std::tuple<lane_t<V, Simd>...>;
};

/// The number of points, every array's length; tt::shape_error if they differ.
template <class T, std::size_t NS>
std::size_t batch_points(const std::array<std::span<const T>, NS>& in,
                         const std::array<std::span<T>, NS>& out) {
  const std::size_t n = in[0].size();
  for (std::size_t j = 0; j < NS; ++j)
    if (in[j].size() != n || out[j].size() != n)
      shape_fail("batch_gradient", "point arrays differ in length:", {n, in[0].size()},
                 {in[j].size(), out[j].size()});
  return n;
}

/// The loop: in[j] holds n points of source j; out[j] receives their gradients.
template <class E, class Sources, class T, std::size_t NS>
void batch_gradient_loop(const E& f, const std::array<std::span<const T>, NS>& in,
                         const std::array<std::span<T>, NS>& out) {
  using info = sources_of<Sources>;
  using names = typename info::names;
  const std::size_t n = batch_points(in, out);
  constexpr std::uint64_t all = NS == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << NS) - 1;
  std::size_t i = 0;
  if constexpr (std::is_floating_point_v<T> && xsimd::batch<T>::size > 1 &&
                lane_types_are<typename pointwise<E, names, simd_lanes<false>>::type, T>) {
    using L = xsimd::batch<T>;
    const auto tree = pointwise<E, names, simd_lanes<true>>::make(f);
    lane_ctx<typename lanes_of<typename info::values, true>::type, all> c;
    for (; i + L::size <= n; i += L::size) {
      static_for<NS>([&](auto j) TT_INLINE_LAMBDA {
        std::get<j>(c.in) = L::load_unaligned(in[j].data() + i);
        std::get<j>(c.adj) = L(T(-0.0));
      });
      typename decltype(tree)::record rec;
      tree.forward(rec, c);
      tree.backward(rec, L(T(1)), c);
      static_for<NS>(
          [&](auto j) TT_INLINE_LAMBDA { std::get<j>(c.adj).store_unaligned(out[j].data() + i); });
    }
  }
  const auto tree = pointwise<E, names, simd_lanes<false>>::make(f);
  lane_ctx<typename lanes_of<typename info::values, false>::type, all> c;
  for (; i < n; ++i) {
    static_for<NS>([&](auto j) TT_INLINE_LAMBDA {
      std::get<j>(c.in) = in[j][i];
      std::get<j>(c.adj) = T(-0.0);
    });
    typename decltype(tree)::record rec;
    tree.forward(rec, c);
    tree.backward(rec, T(1), c);
    static_for<NS>([&](auto j) TT_INLINE_LAMBDA { out[j][i] = std::get<j>(c.adj); });
  }
}

template <class S>
inline constexpr std::size_t source_count = 1;
template <class... S>
inline constexpr std::size_t source_count<std::tuple<S...>> = sizeof...(S);

}  // namespace detail

/// Gradients of the scalar expression f w.r.t. sources (one variable, or a tuple),
/// at n points: points[j] holds the n values of source j (other variables keep their
/// current value). Writes gradient j at point i to out[j][i]; allocates nothing.
/// The same misuses as tt::gradient are compile errors (TT-E01, E02, E03, ...).
struct batch_gradient_into_t {
  template <class E, class Sources, class T, std::size_t NS>
    requires expression<E>
  void operator()(const E& f, const Sources& sources,
                  const std::array<std::span<const T>, NS>& points,
                  const std::array<std::span<T>, NS>& out) const {
    static_assert(NS == detail::source_count<Sources>, TT_E16_BATCH_POINTS);
    using names = typename detail::sources_of<Sources>::names;
    static_assert(
        []<class... N>(detail::tlist<N...>) {
          return ((detail::count_v<N, names> == 1) && ...);
        }(names{}),
        TT_E16_BATCH_POINTS);
    using checked = decltype(tt::gradient(f, sources));  // the usual diagnostics, at compile time
    static_assert(!tensor_like<typename E::value_type>, TT_E16_BATCH_POINTS);
    if constexpr (!std::is_same_v<checked, void>)
      detail::batch_gradient_loop<E, Sources>(f, points, out);
  }
};
inline constexpr batch_gradient_into_t batch_gradient_into{};

/// As batch_gradient_into, returning the gradients: a std::vector per source, in the
/// sources' structure (one vector, or a tuple of vectors).
struct batch_gradient_t {
  template <class E, class Sources, class... P>
    requires(expression<E> && sizeof...(P) > 0)
  auto operator()(const E& f, const Sources& sources, const P&... points) const {
    using T =
        std::remove_cvref_t<decltype(*std::data(std::get<0>(std::forward_as_tuple(points...))))>;
    constexpr std::size_t NS = sizeof...(P);
    std::array<std::vector<T>, NS> g;
    std::array<std::span<const T>, NS> in{
        std::span<const T>(std::data(points), std::size(points))...};
    std::array<std::span<T>, NS> out{};
    for (std::size_t j = 0; j < NS; ++j) {
      g[j].resize(in[j].size());
      out[j] = g[j];
    }
    batch_gradient_into(f, sources, in, out);
    if constexpr (detail::source_count<Sources> == 1 &&
                  !requires { std::tuple_size<Sources>::value; })
      return std::move(g[0]);
    else
      return [&]<std::size_t... J>(std::index_sequence<J...>) {
        return std::tuple<std::conditional_t<J == 0, std::vector<T>, std::vector<T>>...>{
            std::move(g[J])...};
      }
    (std::make_index_sequence<NS>{});
  }
};
inline constexpr batch_gradient_t batch_gradient{};

}  // namespace tt

namespace tt::detail {

/// Where tensor_jacobian and its parallel form (tt::parallel::jacobian) keep their work: the
/// persistent tape of y, y's value, and J of shape y.shape + x.shape.
template <class Y, class S>
struct jacobian_work {
  using YV = typename Y::value_type;
  using XV = typename detail::source_info<std::remove_cvref_t<S>>::value_type;
  using E = detail::elem_t<YV>;
  static constexpr std::size_t ry = detail::rank_v<YV>, rx = detail::rank_v<XV>;
  decltype(record<persistent>(std::declval<const Y&>())) tape;
  YV yv;
  xt::xtensor<E, ry + rx> J;
  std::size_t nx;

  jacobian_work(const Y& y, const S& x) : tape(record<persistent>(y)), yv(tape.value()) {
    std::array<std::size_t, ry + rx> shape{};
    for (std::size_t a = 0; a < ry; ++a) shape[a] = yv.shape()[a];
    const auto xv_shape = detail::shape_of(tt::eval(x));
    for (std::size_t a = 0; a < rx; ++a) shape[ry + a] = xv_shape[a];
    J = xt::xtensor<E, ry + rx>::from_shape(shape);
    nx = detail::product(xv_shape);
  }
  /// Rows [begin, end) of J: one backward pass each, with output_gradients a unit tensor. The
  /// tape is only read, so several threads may fill different rows at once.
  void rows(const Y& y, const S& x, std::size_t begin, std::size_t end) {
    YV seed = detail::zeros_like(yv);
    for (std::size_t i = begin; i < end; ++i) {
      seed.data()[i] = E(1);
      const auto g = tape.gradient(y, x, output_gradients(seed));
      if constexpr (tensor_like<XV>)
        std::copy(g.data(), g.data() + nx, J.data() + i * nx);
      else
        J.data()[i] = g;
      seed.data()[i] = E(0);
    }
  }
};

/// The Jacobian of a tensor expression y w.r.t. one tensor (or scalar) source x: a tensor
/// of shape y.shape + x.shape, J[i..., j...] = d y[i...] / d x[j...]. One recording, one
/// backward pass per element of y (output_gradients with a unit tensor), as
/// TensorFlow's tape.jacobian does without vectorisation.
template <class Y, class S>
auto tensor_jacobian(const Y& y, const S& x) {
  jacobian_work<Y, S> w(y, x);
  w.rows(y, x, 0, w.yv.size());
  return std::move(w.J);
}

}  // namespace tt::detail
