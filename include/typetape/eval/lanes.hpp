// Per-element trees: an expression rebuilt with some leaves as `slot`s that read lane
// values from a context (and write their adjoints back). The fused tensor kernel runs
// its region this way; batch_gradient runs a scalar expression on SIMD batches of
// points; the higher-order entry points run it on dual numbers. No xtensor or xsimd here.
#pragma once

#include <cstdint>
#include <tuple>

#include "../core/analysis.hpp"

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
  using type = std::conditional_t<is_source, slot<index_of_v<N, Names>, typename Lanes::template type<T>>, constant<typename Lanes::template type<T>>>;
  static type make(const var_ref<N, T>& v) {
    if constexpr (is_source) return {};
    else return {typename Lanes::template type<T>(v.p->get())};  // another variable: its current value
  }
};
template <class N, class T, class Names, class Lanes>
struct pointwise<watched_ref<N, T>, Names, Lanes> {
  static constexpr bool is_source = contains_v<N, Names>;
  using type = std::conditional_t<is_source, slot<index_of_v<N, Names>, typename Lanes::template type<T>>, constant<typename Lanes::template type<T>>>;
  static type make(const watched_ref<N, T>& v) {
    if constexpr (is_source) return {};
    else return {typename Lanes::template type<T>(v.p->v)};
  }
};
template <class T, class Names, class Lanes>
struct pointwise<constant<T>, Names, Lanes> {
  using type = constant<typename Lanes::template type<T>>;
  static type make(const constant<T>& c) { return {typename Lanes::template type<T>(c.v)}; }
};
template <class N, class B, class Names, class Lanes>
struct pointwise<let_node<N, B>, Names, Lanes> {  // a let's body is inlined at each use
  static constexpr bool is_source = contains_v<N, Names>;  // ... unless the points are the let's
  using type = std::conditional_t<is_source, slot<index_of_v<N, Names>, typename Lanes::template type<typename B::value_type>>,
                                  typename pointwise<B, Names, Lanes>::type>;
  static type make(const let_node<N, B>& l) {
    if constexpr (is_source) return {};
    else return pointwise<B, Names, Lanes>::make(l.body);
  }
};
template <class Op, class... K, class Names, class Lanes>
struct pointwise<node<Op, K...>, Names, Lanes> {
  using type = node<Op, typename pointwise<K, Names, Lanes>::type...>;
  static type make(const node<Op, K...>& n) {
    return std::apply([](const auto&... k) { return type{{pointwise<std::remove_cvref_t<decltype(k)>, Names, Lanes>::make(k)...}}; },
                      n.kids);
  }
};

}  // namespace tt::detail
