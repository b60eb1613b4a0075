// Compile-time dependence analysis on expression types, and the tree walks the
// tape needs (finding named intermediates, identity of leaves and targets).
#pragma once

#include <bit>
#include <cstring>

#include "../core/expression.hpp"

namespace tt::detail {

// ---- reach: how source `N` reaches expression `E` (reach:: bits, 0 = not at all) ----------
template <class E, class N>
struct reach_of : std::integral_constant<unsigned, 0> {};
template <class M, class T, class N>
struct reach_of<var_ref<M, T>, N>
    : std::integral_constant<unsigned, std::is_same_v<M, N> ? reach::live : 0u> {};
template <class M, class T, class N>
struct reach_of<watched_ref<M, T>, N>
    : std::integral_constant<unsigned, std::is_same_v<M, N> ? reach::live : 0u> {};
template <class M, class B, class N>
struct reach_of<let_node<M, B>, N>
    : std::integral_constant<unsigned, std::is_same_v<M, N> ? reach::live : reach_of<B, N>::value> {
};
template <class Op, class... K, class N>
struct reach_of<node<Op, K...>, N> {
  static constexpr unsigned value = []<std::size_t... I>(std::index_sequence<I...>) {
    return (0u | ... | reach::cut(op_cut<Op>(I), reach_of<K, N>::value));
  }
  (std::index_sequence_for<K...>{});
};
template <class E, class N>
inline constexpr unsigned reach_v = reach_of<E, N>::value;

/// Does E depend through differentiable ops on any of the names in Wanted?
template <class E, class Wanted>
inline constexpr bool wants_v = false;
template <class E, class... W>
inline constexpr bool wants_v<E, tlist<W...>> = ((reach_v<E, W> & reach::live) || ...);

// ---- named things: leaves and let nodes, in post-order (a let after what it uses) ---------
template <class E, class Acc>
struct collect_named {
  using type = Acc;
};
template <class M, class T, class Acc>
struct collect_named<var_ref<M, T>, Acc> : push_unique<Acc, var_ref<M, T>> {};
template <class M, class T, class Acc>
struct collect_named<watched_ref<M, T>, Acc> : push_unique<Acc, watched_ref<M, T>> {};
template <class M, class B, class Acc>
struct collect_named<let_node<M, B>, Acc>
    : push_unique<typename collect_named<B, Acc>::type, let_node<M, B>> {};
template <class Acc, class... E>
struct collect_named_all {
  using type = Acc;
};
template <class Acc, class E, class... R>
struct collect_named_all<Acc, E, R...>
    : collect_named_all<typename collect_named<E, Acc>::type, R...> {};
template <class Op, class... K, class Acc>
struct collect_named<node<Op, K...>, Acc> : collect_named_all<Acc, K...> {};
template <class... Targets>
using named_t = typename collect_named_all<tlist<>, Targets...>::type;

template <class L>
struct lets_of;
template <class... X>
struct lets_of<tlist<X...>> {
  using type = typename concat < std::conditional_t < requires { typename X::body_type; }
  , tlist<X>, tlist < >> ... > ::type;
};
/// The let nodes of some targets, each once, in an order where a let comes after
/// every let its body uses (the forward order; backward runs it in reverse).
template <class... Targets>
using lets_t = typename lets_of<named_t<Targets...>>::type;

template <class L>
struct names_of;
template <class... X>
struct names_of<tlist<X...>> {
  using type = tlist<typename X::name_type...>;
};

/// The first name given to two different named things (void if all are distinct).
template <class L>
struct clashing_name {
  using type = void;
};
template <class X, class... R>
struct clashing_name<tlist<X, R...>> {
  using type =
      std::conditional_t<(std::is_same_v<typename X::name_type, typename R::name_type> || ...),
                         typename X::name_type, typename clashing_name<tlist<R...>>::type>;
};

// ---- finding a let node by name ---------------------------------------------------------
template <class E, class N>
inline constexpr bool has_let_v = false;
template <class M, class B, class N>
inline constexpr bool has_let_v<let_node<M, B>, N> = std::is_same_v<M, N> || has_let_v<B, N>;
template <class Op, class... K, class N>
inline constexpr bool has_let_v<node<Op, K...>, N> = (has_let_v<K, N> || ...);

template <class... K, class N>
constexpr std::size_t first_with_let(tlist<K...>, N*) {
  constexpr bool hit[] = {has_let_v<K, N>...};
  std::size_t i = 0;
  while (!hit[i]) ++i;
  return i;
}

template <class... K>
constexpr tlist<K...> as_tlist(const std::tuple<K...>&) {
  return {};
}

/// The (first) let node named N inside e.
template <class N, class E>
TT_INLINE constexpr const auto& find_let(const E& e) {
  if constexpr (requires { e.template tt_find_let<N>(); }) {  // a node that finds its own (loops)
    return e.template tt_find_let<N>();
  } else if constexpr (requires { typename E::body_type; }) {
    if constexpr (std::is_same_v<typename E::name_type, N>)
      return e;
    else
      return find_let<N>(e.body);
  } else {
    return find_let<N>(
        std::get<first_with_let(decltype(as_tlist(e.kids)){}, static_cast<N*>(nullptr))>(e.kids));
  }
}
template <class N, class... T>
TT_INLINE constexpr const auto& find_let_in(const std::tuple<T...>& targets) {
  return find_let<N>(
      std::get<first_with_let(tlist<std::remove_cvref_t<T>...>{}, static_cast<N*>(nullptr))>(
          targets));
}

// ---- leaves and structural identity ----------------------------------------------------
/// Is E a part of a long expression whose walks are functions of their own (core/sum_chain.hpp)?
template <class E>
inline constexpr bool outline_v = false;
template <class E, class F>
TT_INLINE constexpr void for_each_named(const E& e, F& f);
template <class E, class F>
TT_NOINLINE void for_each_named_chunk(const E& e, F& f) {
  auto visit = [&](const auto& k) TT_INLINE_LAMBDA { for_each_named(k, f); };
  for_each_element(e.kids, visit);
}

/// Calls f(x) for every named thing x in e: var_ref/watched_ref leaves and let
/// nodes (a let before its body's named things).
template <class E, class F>
TT_INLINE constexpr void for_each_named(const E& e, F& f) {
  if constexpr (outline_v<E>) {
    for_each_named_chunk(e, f);
  } else if constexpr (requires { e.tt_visit(f); }) {  // a node that says what it holds (loops)
    e.tt_visit(f);
  } else if constexpr (requires { e.p; }) {
    f(e);
  } else if constexpr (requires { e.body; }) {
    f(e);
    for_each_named(e.body, f);
  } else if constexpr (requires { e.kids; }) {
    auto visit = [&](const auto& k) TT_INLINE_LAMBDA { for_each_named(k, f); };
    for_each_element(e.kids, visit);
  }
}

/// Do two expressions of one type denote the same computation (same leaf
/// objects, bitwise-equal constants)?
template <class E>
TT_INLINE constexpr bool same_tree(const E& a, const E& b) {
  if constexpr (requires { a.tt_same(b); }) {  // a node that compares itself (loops)
    return a.tt_same(b);
  } else if constexpr (requires { a.p; }) {
    return a.p == b.p;
  } else if constexpr (requires {
                         a.data.get();
                       }) {  // a tensor constant: the same tensor, or equal ones
    return a.data == b.data || *a.data == *b.data;
  } else if constexpr (requires { a.body; }) {
    return same_tree(a.body, b.body);
  } else if constexpr (requires { a.kids; }) {
    return same_tree(a.kids, b.kids);
  } else if constexpr (requires { std::tuple_size<E>::value; }) {  // kids, a scan's cell
    return [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA {
      return (same_tree(std::get<I>(a), std::get<I>(b)) && ...);
    }
    (std::make_index_sequence<std::tuple_size_v<E>>{});
  } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(a.v)>, double> ||
                       std::is_same_v<std::remove_cvref_t<decltype(a.v)>, float>) {
    return std::memcmp(&a.v, &b.v, sizeof a.v) == 0;  // bitwise: NaN == NaN, foldable
  } else {
    return a.v == b.v || (a.v != a.v && b.v != b.v);  // long double has padding bytes
  }
}

}  // namespace tt::detail
