// Long sums: `t0 + t1 + t2 + ...` of scalar terms, kept as a balanced binary tree of the
// terms (a "rope") instead of the left-deep tree of `+` nodes C++ builds.
//
// A left-deep tree of n terms nests n types: every walk of it (the reach analysis, the
// forward and backward passes, the compiler's inliner) recurses n deep, and the inliner
// copies each level's body into the next, so compile time and memory grew with n^2
// (64 terms: 31 s and 1.9 GB on g++ 12 at -O2) and 256 terms exceeded the template depth.
// Here a sum of more than chunk_terms (16) terms becomes a chain (shorter sums stay binary
// nodes, which compile faster); each further term is pushed as in a binary counter (two
// trees of one size merge into one twice the size), so the chain is at most log2(n)
// trees, each of depth log2(n). tt::sum_of(t0, ..., tn) builds one at once.
//
// The value is still computed left to right, (((t0 + t1) + t2) + ...), exactly as the
// binary `+` nodes would (so every value and gradient is bit for bit the same), and the
// backward pass visits the terms in the same order. `a - b` in a chain is the term `-b`
// (x - y is x + (-y) exactly in IEEE arithmetic). Only floating-point scalar terms of one
// value type join a chain; anything else stays a binary node.
#pragma once

#include "../detail/analysis.hpp"

namespace tt {
namespace detail {

struct add_op;
struct sub_op;
struct neg_op;

/// Runs of this many terms are passes of their own (not inlined): the compiler then
/// optimizes many small functions instead of one of n terms, whose cost grows faster
/// than n (g++'s inliner and points-to analysis). Smaller chains inline completely.
inline constexpr std::size_t chunk_terms = 16;

/// The storage of a run of terms. From chunk_terms terms on, its copy and move are
/// functions of their own too: building a chain of n terms moves its runs at each `+`,
/// and inlined, those moves were code of size n at each of n pluses.
template <class L, class R, bool Big = (L::terms + R::terms >= chunk_terms)>
struct rope_storage {
  std::tuple<L, R> kids;
  TT_INLINE constexpr rope_storage(L&& l, R&& r) : kids(std::move(l), std::move(r)) {}
};
template <class L, class R>
struct rope_storage<L, R, true> {
  std::tuple<L, R> kids;
  TT_INLINE rope_storage(L&& l, R&& r) : kids(std::move(l), std::move(r)) {}
  TT_NOINLINE rope_storage(const rope_storage& o) : kids(o.kids) {}
  TT_NOINLINE rope_storage(rope_storage&& o) noexcept : kids(std::move(o.kids)) {}
  rope_storage& operator=(const rope_storage&) = default;
  rope_storage& operator=(rope_storage&&) = default;
  ~rope_storage() = default;
};

/// Two runs of terms of a chain, the left one first.
template <class L, class R>
struct rope : rope_storage<L, R> {
  using value_type = typename L::value_type;
  static constexpr std::size_t terms = L::terms + R::terms;
  using rope_storage<L, R>::rope_storage;
  struct record {
    typename L::record l;
    typename R::record r;
  };
};

template <class E>
inline constexpr bool is_rope = false;
template <class L, class R>
inline constexpr bool is_rope<rope<L, R>> = true;

/// A term of a chain: one expression (a rope of one).
template <class E>
struct term {
  using value_type = typename E::value_type;
  static constexpr std::size_t terms = 1;
  std::tuple<E> kids;
  using record = typename E::record;
};

template <class L, class R>
inline constexpr bool outline_v<rope<L, R>> = rope<L, R>::terms == chunk_terms;

template <class E, class Rec, class Ctx>
TT_INLINE void rope_forward(const E& e, Rec& r, const Ctx& ctx);
template <class E, class Rec, class Ctx>
TT_INLINE void rope_forward_parts(const E& e, Rec& r, const Ctx& ctx) {
  if constexpr (is_rope<E>) {
    rope_forward(std::get<0>(e.kids), r.l, ctx);
    rope_forward(std::get<1>(e.kids), r.r, ctx);
  } else {
    std::get<0>(e.kids).forward(r, ctx);
  }
}
template <class E, class Rec, class Ctx>
TT_NOINLINE void rope_forward_chunk(const E& e, Rec& r, const Ctx& ctx) {
  rope_forward_parts(e, r, ctx);
}
template <class E, class Rec, class Ctx>
TT_INLINE void rope_forward(const E& e, Rec& r, const Ctx& ctx) {
  if constexpr (outline_v<E>)
    rope_forward_chunk(e, r, ctx);
  else
    rope_forward_parts(e, r, ctx);
}

/// acc = acc + each term's value, left to right (the first term of the chain: acc = value).
template <bool First, class E, class Rec, class V>
TT_INLINE void rope_sum(const E& e, const Rec& r, V& acc) {
  if constexpr (is_rope<E>) {
    rope_sum<First>(std::get<0>(e.kids), r.l, acc);
    rope_sum<false>(std::get<1>(e.kids), r.r, acc);
  } else if constexpr (First) {
    acc = val(r);
  } else {
    acc = acc + val(r);
  }
}

template <class E, class Rec, class G, class Ctx>
TT_INLINE void rope_backward(const E& e, const Rec& r, const G& g, Ctx& ctx);
template <class E, class Rec, class G, class Ctx>
TT_INLINE void rope_backward_parts(const E& e, const Rec& r, const G& g, Ctx& ctx) {
  if constexpr (is_rope<E>) {
    if constexpr (Ctx::template wants<std::tuple_element_t<0, decltype(e.kids)>>)
      rope_backward(std::get<0>(e.kids), r.l, g, ctx);
    if constexpr (Ctx::template wants<std::tuple_element_t<1, decltype(e.kids)>>)
      rope_backward(std::get<1>(e.kids), r.r, g, ctx);
  } else {
    using K = std::tuple_element_t<0, decltype(e.kids)>;
    if constexpr (Ctx::template wants<K>)
      std::get<0>(e.kids).backward(r, adjoint_to<typename K::value_type>(g), ctx);
  }
}
template <class E, class Rec, class G, class Ctx>
TT_NOINLINE void rope_backward_chunk(const E& e, const Rec& r, const G& g, Ctx& ctx) {
  rope_backward_parts(e, r, g, ctx);
}
template <class E, class Rec, class G, class Ctx>
TT_INLINE void rope_backward(const E& e, const Rec& r, const G& g, Ctx& ctx) {
  if constexpr (outline_v<E>)
    rope_backward_chunk(e, r, g, ctx);
  else
    rope_backward_parts(e, r, g, ctx);
}

}  // namespace detail

/// A chain of at least three terms (see above). Ropes R... have decreasing sizes.
template <class... R>
struct sum_chain {
  using tt_expression = void;
  using value_type = typename detail::at_t<0, detail::tlist<R...>>::value_type;
  std::tuple<R...> kids;

  struct record {
    value_type v;
    std::tuple<typename R::record...> kids;
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx& ctx) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA {
      (detail::rope_forward(std::get<I>(kids), std::get<I>(r.kids), ctx), ...);
      (detail::rope_sum<I == 0>(std::get<I>(kids), std::get<I>(r.kids), r.v), ...);
    }
    (std::index_sequence_for<R...>{});
  }
  template <class Ctx>
  TT_INLINE void backward(const record& r, const value_type& g, Ctx& ctx) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA {
      (detail::rope_backward(std::get<I>(kids), std::get<I>(r.kids), g, ctx), ...);
    }
    (std::index_sequence_for<R...>{});
  }

  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }
  /// TT-E14, as for any node: `loss = loss + term;` in a C++ loop, or a double (`+=`:
  /// expression.hpp).
  template <class U>
    requires(expression<U> && !std::is_same_v<std::remove_cvref_t<U>, sum_chain>)
  sum_chain& operator=(U&&) {
    static_assert(diag::expression_is_built_once_use_tt_sum_over<sum_chain, false>, TT_E14);
    return *this;
  }
  operator value_type()
      const {  // NOLINT(google-explicit-constructor): implicit, to reach the diagnostic
    static_assert(diag::expression_is_built_once_use_tt_sum_over<sum_chain, false>, TT_E14_NUMBER);
    return value_type{};
  }
};

namespace detail {

// ---- the analysis and the walks see the terms ------------------------------------------------
template <class L, class R, class N>
struct reach_of<rope<L, R>, N>
    : std::integral_constant<unsigned, reach_of<L, N>::value | reach_of<R, N>::value> {};
template <class E, class N>
struct reach_of<term<E>, N> : reach_of<E, N> {};
template <class... R, class N>
struct reach_of<sum_chain<R...>, N>
    : std::integral_constant<unsigned, (0u | ... | reach_of<R, N>::value)> {};
template <class L, class R, class Acc>
struct collect_named<rope<L, R>, Acc> : collect_named_all<Acc, L, R> {};
template <class E, class Acc>
struct collect_named<term<E>, Acc> : collect_named<E, Acc> {};
template <class... R, class Acc>
struct collect_named<sum_chain<R...>, Acc> : collect_named_all<Acc, R...> {};
template <class L, class R, class N>
inline constexpr bool has_let_v<rope<L, R>, N> = has_let_v<L, N> || has_let_v<R, N>;
template <class E, class N>
inline constexpr bool has_let_v<term<E>, N> = has_let_v<E, N>;
template <class... R, class N>
inline constexpr bool has_let_v<sum_chain<R...>, N> = (has_let_v<R, N> || ...);

// ---- building a chain -------------------------------------------------------------------------
template <class E>
inline constexpr bool is_chain = false;
template <class... R>
inline constexpr bool is_chain<sum_chain<R...>> = true;

/// Can the left operand of `+`/`-` start or extend a chain with a term of value type V?
template <class L, class V>
inline constexpr bool chains_with = false;
template <class... R, class V>
inline constexpr bool chains_with<sum_chain<R...>, V> =
    std::is_same_v<typename sum_chain<R...>::value_type, V>;
/// How many terms a left-deep spine of scalar `+`/`-` nodes of one value type V holds
/// (1: E is not such a node). Computed per node type as the sum is written, so never deep.
template <class E, class V>
inline constexpr std::size_t spine_v = 1;
// clang-format 14 misreads && after a parenthesised operand in this clause
// clang-format off
template <class Op, class A, class B, class V>
  requires((std::is_same_v<Op, add_op> || std::is_same_v<Op, sub_op>) && std::is_floating_point_v<V> &&
           std::is_same_v<typename A::value_type, V> && std::is_same_v<typename B::value_type, V> &&
           std::is_same_v<typename node<Op, A, B>::value_type, V>)
// clang-format on
inline constexpr std::size_t spine_v<node<Op, A, B>, V> = spine_v<A, V> + 1;
/// A sum becomes a chain past chunk_terms terms: shorter sums stay binary nodes (for
/// them, the nodes cost less to compile than the chain's machinery).
template <class Op, class A, class B, class V>
  requires(std::is_same_v<Op, add_op> || std::is_same_v<Op, sub_op>)
inline constexpr bool chains_with<node<Op, A, B>, V> = spine_v<node<Op, A, B>, V> + 1 > chunk_terms;

/// The ropes of a spine's terms, left to right (`a - b`: the term -b).
template <class V, class E>
TT_INLINE constexpr auto spine_ropes(E&& e);

/// The ropes with x pushed at the end, equal sizes merged (a binary counter's carry).
template <class... R, class X>
TT_INLINE constexpr auto push_rope(std::tuple<R...>&& rs, X&& x) {
  if constexpr (sizeof...(R) > 0) {
    using last = at_t<sizeof...(R) - 1, tlist<R...>>;
    if constexpr (last::terms == std::remove_cvref_t<X>::terms) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return push_rope(
            std::tuple<at_t<I, tlist<R...>>...>(std::move(std::get<I>(rs))...),
            rope<last, std::remove_cvref_t<X>>(std::move(std::get<sizeof...(R) - 1>(rs)),
                                               std::remove_cvref_t<X>(std::forward<X>(x))));
      }
      (std::make_index_sequence<sizeof...(R) - 1>{});
    } else {
      return [&]<std::size_t... I>(
          std::index_sequence<I...>) {  // (std::tuple_cat costs more to compile)
        return std::tuple<R..., std::remove_cvref_t<X>>(std::move(std::get<I>(rs))...,
                                                        std::forward<X>(x));
      }
      (std::index_sequence_for<R...>{});
    }
  } else {
    return std::tuple<std::remove_cvref_t<X>>(std::forward<X>(x));
  }
}
template <class... R>
TT_INLINE constexpr sum_chain<R...> as_chain(std::tuple<R...>&& rs) {
  return {std::move(rs)};
}

/// The chain `l + k` (Negate: `l - k`); l is a chain or a two-term `+`/`-` node, k a closed term.
template <bool Negate, class L, class K>
TT_INLINE constexpr auto chain_push(L&& l, K&& k) {
  using KD = std::remove_cvref_t<K>;
  auto t = [&] {
    if constexpr (Negate)
      return term<node<neg_op, KD>>{{node<neg_op, KD>{{std::forward<K>(k)}}}};
    else
      return term<KD>{{std::forward<K>(k)}};
  }();
  using LD = std::remove_cvref_t<L>;
  if constexpr (is_chain<LD>)
    return as_chain(push_rope(std::tuple(std::forward<L>(l).kids), std::move(t)));
  else
    return as_chain(
        push_rope(spine_ropes<typename LD::value_type>(std::forward<L>(l)), std::move(t)));
}

template <class V, class E>
TT_INLINE constexpr auto spine_ropes(E&& e) {
  using ED = std::remove_cvref_t<E>;
  if constexpr (spine_v < ED, V >> 1) {
    using A = std::tuple_element_t<0, decltype(e.kids)>;
    using B = std::tuple_element_t<1, decltype(e.kids)>;
    auto head = spine_ropes<V>(std::get<0>(std::forward<E>(e).kids));
    if constexpr (std::is_same_v<ED, node<sub_op, A, B>>)
      return push_rope(
          std::move(head),
          term<node<neg_op, B>>{{node<neg_op, B>{{std::get<1>(std::forward<E>(e).kids)}}}});
    else
      return push_rope(std::move(head), term<B>{{std::get<1>(std::forward<E>(e).kids)}});
  } else {
    return push_rope(std::tuple<>{}, term<ED>{{std::forward<E>(e)}});
  }
}

/// Is `L + R` a sum of two matrix products that one node computes (ops/linalg.hpp)?
template <class L, class R>
inline constexpr bool fuses_products = false;
template <class L, class R>
TT_INLINE constexpr auto fuse_products(L&& l, R&& r);

/// `l + r` (Negate: `l - r`): a chain where l starts or extends one, else a binary node.
template <bool Negate, bool Check = true, class L, class R>
TT_INLINE constexpr auto add_or_chain(L&& l, R&& r) {
  using Op = std::conditional_t<Negate, sub_op, add_op>;
  using LD = std::remove_cvref_t<L>;
  if constexpr (!Negate && fuses_products<LD, std::remove_cvref_t<R>>) {
    return fuse_products(std::forward<L>(l), std::forward<R>(r));
  } else if constexpr (expression<LD> && !is_variable<LD>) {
    using V = typename LD::value_type;
    if constexpr (chains_with<LD, V> && std::is_void_v<typename first_temporary<R&&>::type>) {
      if constexpr (std::is_same_v<typename closure_t<R&&, V>::value_type, V>)
        return chain_push<Negate>(std::forward<L>(l), close<V>(std::forward<R>(r)));
      else
        return make<Op, Check>(std::forward<L>(l), std::forward<R>(r));
    } else {
      return make<Op, Check>(std::forward<L>(l), std::forward<R>(r));
    }
  } else {
    return make<Op, Check>(std::forward<L>(l), std::forward<R>(r));
  }
}

// ---- an n-ary sum: tt::sum_of(t0, t1, ...) ---------------------------------------------------
/// The arguments of tt::sum_of, by reference, and the value type their numbers take.
template <class V, class Seq, class... T>
struct arg_pack : flat_pack<Seq, T...> {
  using value_type = V;
};

/// The complete balanced rope of terms [Off, Off + Size) of a pack (Size a power of two);
/// each run of chunk_terms terms is built by a function of its own.
template <std::size_t Off, std::size_t Size, class P>
TT_INLINE constexpr auto build_rope(P& p);
template <std::size_t Off, std::size_t Size, class P>
TT_NOINLINE auto build_rope_chunk(P& p) {
  auto l = build_rope<Off, Size / 2>(p);
  auto r = build_rope<Off + Size / 2, Size / 2>(p);
  return rope<decltype(l), decltype(r)>(std::move(l), std::move(r));
}
template <std::size_t Off, std::size_t Size, class P>
TT_INLINE constexpr auto build_rope(P& p) {
  if constexpr (Size == chunk_terms) {
    return build_rope_chunk<Off, Size>(p);
  } else if constexpr (Size == 1) {
    using T = decltype(pack_type<Off>(static_cast<const P*>(nullptr)));  // A&&: the argument
    using V = typename P::value_type;
    return term<closure_t<T, V>>{{close<V>(std::forward<T>(pack_get<Off>(p)))}};
  } else {
    auto l = build_rope<Off, Size / 2>(p);
    auto r = build_rope<Off + Size / 2, Size / 2>(p);
    return rope<decltype(l), decltype(r)>(std::move(l), std::move(r));
  }
}
/// The ropes of n terms as a binary counter holds them: one per set bit of n, largest first.
template <std::size_t N, std::size_t Off, std::size_t Bit, class P>
TT_INLINE constexpr auto build_ropes(P& p) {
  if constexpr (Bit == 0) {
    return std::tuple<>{};
  } else if constexpr ((N & Bit) != 0) {
    auto head = build_rope<Off, Bit>(p);
    auto rest = build_ropes<N, Off + Bit, Bit / 2>(p);
    return [&]<class... T>(std::tuple<T...>& r) {
      return std::tuple<decltype(head), T...>(std::move(head), std::move(std::get<T>(r))...);
    }(rest);
  } else {
    return build_ropes<N, Off, Bit / 2>(p);
  }
}
constexpr std::size_t top_bit(std::size_t n) {
  std::size_t b = 1;
  while (b <= n / 2) b *= 2;
  return b;
}

/// The value type of the first expression among A... (double if none).
template <class... A>
struct first_expr_value {
  static constexpr std::size_t index = first_set<sizeof...(A)>({expression<A>...});
  using type =
      typename std::conditional_t<(index < sizeof...(A)),
                                  pack_at<(index < sizeof...(A) ? index : 0), A...>, double>;
};
template <class V>
struct value_of_expr {
  using type = typename V::value_type;
};
template <>
struct value_of_expr<double> {
  using type = double;
};

}  // namespace detail

/// The sum t0 + t1 + ... + tn of scalar terms of one floating-point type (numbers are
/// constants of that type), as one n-ary node: its value is summed left to right, as
/// the `+` chain would be, and compile time and memory grow linearly with n.
template <class... A>
  requires(sizeof...(A) >= 1 && detail::all_v<operand<A>...>)
constexpr auto sum_of(A&&... a) {
  using V = typename detail::value_of_expr<
      std::remove_cvref_t<typename detail::first_expr_value<A...>::type>>::type;
  static_assert(
      std::is_floating_point_v<V> &&
          detail::all_v<std::is_same_v<typename detail::closure_t<A&&, V>::value_type, V>...>,
      TT_E15_SUM_OF);
  using temporary = typename detail::first_temporary<A&&...>::type;  // void if none
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using P = detail::arg_pack<V, std::index_sequence_for<A...>, A&&...>;
  P p{{{std::forward<A>(a)}...}};
  if constexpr (sizeof...(A) == 1) {
    return detail::close<V>(std::forward<A>(a)...);
  } else {
    return detail::as_chain(detail::build_ropes<sizeof...(A), 0, detail::top_bit(sizeof...(A))>(p));
  }
}

}  // namespace tt
