// Beyond one gradient: forward mode, Hessians, Jacobians, of scalar expressions.
//
//   auto [y, dy] = tt::jvp(f, std::tie(x, y), std::tuple(vx, vy));   // f and its derivative along
//   v auto [hx, hy] = tt::hvp(f, std::tie(x, y), std::tuple(vx, vy));  // H v (forward over
//   reverse) auto H = tt::hessian(f, std::tie(x, y));                          // H[i][j] = d2f /
//   dxi dxj auto J = tt::jacobian(std::tie(f, g), std::tie(x, y));            // J[i]: the gradient
//   of target i
//
// The expression is rebuilt with the sources as dual-number slots (detail/lanes.hpp, as
// batch_gradient does with SIMD batches) and every other leaf as a constant at its
// current value; jvp runs its forward pass, hvp its forward and backward passes on
// duals. The misuses tt::gradient rejects are rejected here too, at compile time.
#pragma once

#include <array>
#include <utility>

#include "../eval/dual.hpp"
#include "../detail/lanes.hpp"
#include "tape.hpp"

namespace tt {
namespace detail {

/// The sources' values as one array (all of one floating-point type T).
template <class T, class Sources>
std::array<T, sources_of<Sources>::size> values_of(const Sources& s) {
  if constexpr (source_pack<Sources>::is_tuple)
    return std::apply(
        [](const auto&... x) { return std::array<T, sizeof...(x)>{static_cast<T>(x.get())...}; },
        s);
  else
    return {static_cast<T>(s.get())};
}
/// What jvp, hvp, hessian take (TT-E15 otherwise): a scalar floating-point expression of
/// sources of its type; and one tangent per source (TT-E16).
template <class E, class Sources>
inline constexpr bool higher_takes = [] {
  using T = typename E::value_type;
  if constexpr (!std::is_floating_point_v<T>)
    return false;
  else
    return []<class... V>(tlist<V...>) {
      return (std::is_same_v<V, T> && ...);
    }(typename sources_of<Sources>::values{});
}();
template <class V, std::size_t N>
inline constexpr bool tangents_fit = [] {
  if constexpr (requires { std::tuple_size<V>::value; })
    return std::tuple_size_v<V> == N;
  else
    return N == 1;
}();

/// The tangents as one array (tangents_fit<V, N> holds: the callers check it first).
template <class T, std::size_t N, class V>
std::array<T, N> tangent_array(const V& v) {
  static_assert(tangents_fit<V, N>, TT_E16_TANGENTS);
  if constexpr (requires { std::tuple_size<V>::value; })
    return std::apply(
        [](const auto&... x) { return std::array<T, sizeof...(x)>{static_cast<T>(x)...}; }, v);
  else
    return {static_cast<T>(v)};
}

template <class D, class Seq>
struct repeat;
template <class D, std::size_t... I>
struct repeat<D, std::index_sequence<I...>> {
  using type = std::tuple<std::conditional_t<I == 0, D, D>...>;
};

template <class E, class Sources>
struct higher {
  using info = sources_of<Sources>;
  using names = typename info::names;
  static constexpr std::size_t n = info::size;
  using T = typename E::value_type;
  static_assert(higher_takes<E, Sources>, TT_E15_HIGHER_SCALAR);  // the callers check it first
  using D = dual<T>;
  using tree_t = typename pointwise<E, names, dual_lanes>::type;
  using lanes = typename repeat<D, std::make_index_sequence<n>>::type;
  static constexpr std::uint64_t all = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;

  /// One forward pass (and a backward one if Reverse) at x along the direction v.
  template <bool Reverse>
  static auto run(const tree_t& tree, const std::array<T, n>& x, const std::array<T, n>& v) {
    lane_ctx<lanes, all> c;
    static_for<n>([&](auto j) {
      std::get<j>(c.in) = D(x[j], v[j]);
      std::get<j>(c.adj) = D(T(-0.0));
    });
    typename tree_t::record rec;
    tree.forward(rec, c);
    if constexpr (Reverse) tree.backward(rec, D(T(1)), c);
    return std::pair{rec.v, c.adj};
  }
  /// The Hessian of f at the sources, a column (one forward-over-reverse pass along e_i) per
  /// call of column(i); for_each(column, n) makes the n calls, in a loop or on several
  /// threads (tt::parallel::hessian): the tree is only read, and each call writes its column.
  template <class ForEach>
  static auto hessian(const E& f, const Sources& s, ForEach&& for_each) {
    const auto tree = pointwise<E, names, dual_lanes>::make(f);
    const auto x = values_of<T>(s);
    std::array<std::array<T, n>, n> out{};
    const auto column = [&](std::size_t i) {
      std::array<T, n> e{};
      e[i] = T(1);
      const auto r = run<true>(tree, x, e);
      const auto& adj = r.second;  // not a structured binding: clang 14 cannot capture those
      static_for<n>([&](auto j) { out[j][i] = std::get<j>(adj).d; });
    };
    for_each(column, n);
    return out;
  }
  template <class R>
  static R shaped(const std::array<T, n>& a) {  // in the sources' structure
    if constexpr (source_pack<Sources>::is_tuple)
      return [&]<std::size_t... I>(std::index_sequence<I...>) { return R{a[I]...}; }
    (std::make_index_sequence<n>{});
    else return a[0];
  }
};

}  // namespace detail

/// Forward mode: f's value and its derivative along v (one number per source, in the
/// sources' structure), in one pass. `auto [y, dy] = tt::jvp(f, std::tie(x, y), std::tuple(1.0,
/// 0.0));`
struct jvp_t {
  template <class E, class Sources, class V>
    requires expression<E>
  auto operator()(const E& f, const Sources& sources, const V& v) const {
    using checked = decltype(tt::gradient(f, sources));  // TT-E01, E02, E03 ... at compile time
    [[maybe_unused]] constexpr std::size_t gradient_checked_first = sizeof(checked*);
    if constexpr (!detail::higher_takes<E, Sources>) {
      static_assert(diag::operand_types_fit_the_op<E, false>, TT_E15_HIGHER_SCALAR);
      return std::pair<double, double>{};
    } else if constexpr (!detail::tangents_fit<V, detail::sources_of<Sources>::size>) {
      static_assert(diag::operand_types_fit_the_op<V, false>, TT_E16_TANGENTS);
      return std::pair<double, double>{};
    } else {
      using H = detail::higher<E, Sources>;
      using T = typename H::T;
      const auto tree = detail::pointwise<E, typename H::names, detail::dual_lanes>::make(f);
      const auto [y, adj] = H::template run<false>(tree, detail::values_of<T>(sources),
                                                   detail::tangent_array<T, H::n>(v));
      (void)adj;
      return std::pair<T, T>{y.v, y.d};
    }
  }
};
inline constexpr jvp_t jvp{};

/// Hessian-vector product H v, in the sources' structure (forward over reverse: the
/// tangents of the gradient along v).
struct hvp_t {
  template <class E, class Sources, class V>
    requires expression<E>
  auto operator()(const E& f, const Sources& sources, const V& v) const {
    using checked = decltype(tt::gradient(f, sources));
    if constexpr (!detail::higher_takes<E, Sources>) {
      static_assert(diag::operand_types_fit_the_op<E, false>, TT_E15_HIGHER_SCALAR);
      return checked{};
    } else if constexpr (!detail::tangents_fit<V, detail::sources_of<Sources>::size>) {
      static_assert(diag::operand_types_fit_the_op<V, false>, TT_E16_TANGENTS);
      return checked{};
    } else {
      using H = detail::higher<E, Sources>;
      using T = typename H::T;
      const auto tree = detail::pointwise<E, typename H::names, detail::dual_lanes>::make(f);
      const auto run = H::template run<true>(tree, detail::values_of<T>(sources),
                                             detail::tangent_array<T, H::n>(v));
      const auto& adj = run.second;  // not a structured binding: clang 14 cannot capture those
      std::array<T, H::n> hv{};
      detail::static_for<H::n>([&](auto j) { hv[j] = std::get<j>(adj).d; });
      return H::template shaped<checked>(hv);
    }
  }
};
inline constexpr hvp_t hvp{};

/// The Hessian: H[i][j] = d2 f / dx_i dx_j, one forward-over-reverse pass per source.
struct hessian_t {
  template <class E, class Sources>
    requires expression<E>
  auto operator()(const E& f, const Sources& sources) const {
    using checked = decltype(tt::gradient(f, sources));
    [[maybe_unused]] constexpr std::size_t gradient_checked_first = sizeof(checked*);
    constexpr std::size_t n = detail::sources_of<Sources>::size;
    if constexpr (!detail::higher_takes<E, Sources>) {
      static_assert(diag::operand_types_fit_the_op<E, false>, TT_E15_HIGHER_SCALAR);
      return std::array<std::array<double, n>, n>{};
    } else {
      return detail::higher<E, Sources>::hessian(f, sources,
                                                 [](const auto& column, std::size_t count) {
                                                   for (std::size_t i = 0; i < count; ++i)
                                                     column(i);
                                                 });
    }
  }
};
inline constexpr hessian_t hessian{};

namespace detail {
template <class Y, class S>
auto tensor_jacobian(const Y& y, const S& x);  // eval/batch.hpp
}  // namespace detail

struct jacobian_t {
  /// The Jacobian of several scalar targets: row i is the gradient of target i, in the
  /// sources' structure. One recording, one backward pass per target.
  template <class... Y, class Sources>
  auto operator()(const std::tuple<Y...>& targets, const Sources& sources) const {
    static_assert((expression<std::remove_cvref_t<Y>> && ...), TT_E15_JACOBIAN_TARGETS);
    using G = decltype(tt::gradient(std::get<0>(targets), sources));
    std::array<G, sizeof...(Y)> rows{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      const auto t =
          std::apply([](const auto&... y) { return tt::record<persistent>(y...); }, targets);
      ((rows[I] = t.gradient(std::get<I>(targets), sources)), ...);
    }
    (std::index_sequence_for<Y...>{});
    return rows;
  }
  /// The Jacobian of a tensor expression (<typetape/tensor.hpp>, eval/batch.hpp).
  template <class Y, class S>
    requires expression<Y> && tensor_like<typename Y::value_type>
  auto operator()(const Y& y, const S& x) const { return detail::tensor_jacobian(y, x); }
};
inline constexpr jacobian_t jacobian{};

}  // namespace tt
