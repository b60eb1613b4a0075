// Per-element trees: an expression rebuilt with some leaves as `slot`s that read lane
// values from a context (and write their adjoints back). The fused tensor kernel runs
// its region this way; batch_gradient runs a scalar expression on SIMD batches of
// points; the higher-order entry points run it on dual numbers. No xtensor or xsimd here.
#pragma once

#include <cstdint>
#include <tuple>

#include "analysis.hpp"
#include "../core/sum_chain.hpp"

namespace tt::detail {

/// A fused region's input j, read at the current element(s).
template <std::size_t J, class T>
struct slot {
  using tt_expression = void;
  using value_type = T;
  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx& ctx) const {
    r.v = std::get<J>(ctx.in);
  }
  template <class Ctx>
  TT_INLINE void backward(const record&, const T& g, Ctx& ctx) const {
    std::get<J>(ctx.adj) += g;
  }
};

template <class T>
inline constexpr std::uint64_t slot_mask = 0;
template <std::size_t J, class T>
inline constexpr std::uint64_t slot_mask<slot<J, T>> = std::uint64_t{1} << J;
template <class Op, class... K>
inline constexpr std::uint64_t slot_mask<node<Op, K...>> = (slot_mask<K> | ... | 0);

template <class L, class R>
inline constexpr std::uint64_t slot_mask<rope<L, R>> = slot_mask<L> | slot_mask<R>;
template <class E>
inline constexpr std::uint64_t slot_mask<term<E>> = slot_mask<E>;
template <class... R>
inline constexpr std::uint64_t slot_mask<sum_chain<R...>> = (slot_mask<R> | ... | 0);

template <class Lanes, std::uint64_t Want>
struct lane_ctx {
  Lanes in;
  Lanes adj;
  template <class K>
  static constexpr bool wants = (slot_mask<K> & Want) != 0;
};

/// The per-point tree of a scalar expression, with the sources Names as slots and every
/// other leaf a constant; values of type `Lanes::type<T>` (SIMD batches, duals, numbers).
template <class E, class Names, class Lanes>
struct pointwise;
template <class N, class T, class Names, class Lanes>
struct pointwise<var_ref<N, T>, Names, Lanes> {
  static constexpr bool is_source = contains_v<N, Names>;
  using type =
      std::conditional_t<is_source, slot<index_of_v<N, Names>, typename Lanes::template type<T>>,
                         constant<typename Lanes::template type<T>>>;
  static type make(const var_ref<N, T>& v) {
    if constexpr (is_source)
      return {};
    else
      return {typename Lanes::template type<T>(v.p->get())};  // another variable: its current value
  }
};
template <class N, class T, class Names, class Lanes>
struct pointwise<watched_ref<N, T>, Names, Lanes> {
  static constexpr bool is_source = contains_v<N, Names>;
  using type =
      std::conditional_t<is_source, slot<index_of_v<N, Names>, typename Lanes::template type<T>>,
                         constant<typename Lanes::template type<T>>>;
  static type make(const watched_ref<N, T>& v) {
    if constexpr (is_source)
      return {};
    else
      return {typename Lanes::template type<T>(v.p->v)};
  }
};
template <class T, class Names, class Lanes>
struct pointwise<constant<T>, Names, Lanes> {
  using type = constant<typename Lanes::template type<T>>;
  static type make(const constant<T>& c) { return {typename Lanes::template type<T>(c.v)}; }
};
template <class N, class B, class Names, class Lanes>
struct pointwise<let_node<N, B>, Names, Lanes> {           // a let's body is inlined at each use
  static constexpr bool is_source = contains_v<N, Names>;  // ... unless the points are the let's
  using type = std::conditional_t<
      is_source, slot<index_of_v<N, Names>, typename Lanes::template type<typename B::value_type>>,
      typename pointwise<B, Names, Lanes>::type>;
  static type make(const let_node<N, B>& l) {
    if constexpr (is_source)
      return {};
    else
      return pointwise<B, Names, Lanes>::make(l.body);
  }
};
template <class Op, class... K, class Names, class Lanes>
struct pointwise<node<Op, K...>, Names, Lanes> {
  using type = node<Op, typename pointwise<K, Names, Lanes>::type...>;
  static type make(const node<Op, K...>& n) {
    return std::apply(
        [](const auto&... k) {
          return type{{pointwise<std::remove_cvref_t<decltype(k)>, Names, Lanes>::make(k)...}};
        },
        n.kids);
  }
};

template <class L, class R, class Names, class Lanes>
struct pointwise<rope<L, R>, Names, Lanes> {
  using type =
      rope<typename pointwise<L, Names, Lanes>::type, typename pointwise<R, Names, Lanes>::type>;
  static type make(const rope<L, R>& n) {
    return type(pointwise<L, Names, Lanes>::make(std::get<0>(n.kids)),
                pointwise<R, Names, Lanes>::make(std::get<1>(n.kids)));
  }
};
template <class E, class Names, class Lanes>
struct pointwise<term<E>, Names, Lanes> {
  using type = term<typename pointwise<E, Names, Lanes>::type>;
  static type make(const term<E>& n) {
    return type{{pointwise<E, Names, Lanes>::make(std::get<0>(n.kids))}};
  }
};
template <class... R, class Names, class Lanes>
struct pointwise<sum_chain<R...>, Names, Lanes> {  // still summed left to right, on lanes
  using type = sum_chain<typename pointwise<R, Names, Lanes>::type...>;
  static type make(const sum_chain<R...>& n) {
    return std::apply(
        [](const auto&... k) {
          return type{{pointwise<std::remove_cvref_t<decltype(k)>, Names, Lanes>::make(k)...}};
        },
        n.kids);
  }
};

}  // namespace tt::detail
