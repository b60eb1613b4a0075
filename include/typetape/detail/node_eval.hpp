// How a node evaluates, kept out of node itself: which nodes form fused tensor regions
// (the region's value type and record), and the rule an op runs on dual numbers
// (forward mode derived from the op's VJP, eval/dual.hpp).
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/leaves.hpp"

namespace tt {
namespace detail {

/// Ops that are not elementwise (reductions, shape ops, matmul, conv) say so; every
/// other op is elementwise.
template <class Op>
inline constexpr bool is_structural = requires {
  typename Op::structural;
};

/// An elementwise op with a tensor operand belongs to a fused region: the region
/// (a maximal subtree of such nodes) runs as one loop over the elements, forward
/// and backward, with no tensor per node (eval/tensor.hpp).
template <class Op, class... V>
inline constexpr bool fusable_v = !is_structural<Op> && (tensor_like<V> || ...);

template <class K>
inline constexpr bool is_fused_node = false;
template <class Op, class... K>
inline constexpr bool is_fused_node<node<Op, K...>> = node<Op, K...>::fused;

/// The inputs of a fused region below a kid: every kid that is not itself fused,
/// except scalar constants, which stay in the per-element tree.
template <class K>
struct frontier_of {
  using type = tlist<K>;
};
template <class T>
  requires(!tensor_like<T>)
struct frontier_of<constant<T>> {
  using type = tlist<>;
};
template <class Op, class... K>
  requires is_fused_node<node<Op, K...>>
struct frontier_of<node<Op, K...>> {
  using type = typename concat<typename frontier_of<K>::type...>::type;
};
template <class... K>
using frontier_t = typename concat<typename frontier_of<K>::type...>::type;

template <class E, class... V>
struct tensor_result;  // eval/tensor.hpp: the tensor an elementwise op on V... gives

/// Is T a dual number (eval/dual.hpp)? Forward mode runs each op's rule on them.
template <class T>
inline constexpr bool is_dual = false;
/// An op on dual numbers: the value from the op's `value`, the tangent from its `vjp`
/// (defined in eval/dual.hpp, which every entry point that makes duals includes).
template <class Op, class... A>
constexpr auto derived_value(const A&... a);

/// An op's forward rule on operand values: `Op::value`, or on dual numbers the rule
/// forward mode derives from the op's value and VJP (no op restates its derivative).
template <class Op, class... A>
TT_INLINE constexpr auto apply_op(const A&... a) {
  if constexpr ((is_dual<A> || ...))
    return derived_value<Op>(a...);
  else
    return Op::value(a...);
}

/// The same, written into r: into the storage r has where the op can (`Op::value_into`, a
/// product, in a record a tt::gradient_plan keeps between calls), assigned otherwise.
template <class Op, class R, class... A>
TT_INLINE constexpr void apply_op_into(R& r, const A&... a) {
  if constexpr (!(is_dual<A> || ...) && requires { Op::value_into(r, a...); })
    Op::value_into(r, a...);
  else
    r = apply_op<Op>(a...);
}

/// What an op's record keeps for its VJP beyond the node's value (the im2col matrix of a
/// convolution, the exponentials of a cross-entropy), so that the backward pass does not compute
/// it again: `Op::kept<V...>`, filled by `Op::value_keeping(kept&, operands...)` in the tape's
/// forward pass and read by `Op::vjp_kept<I>(kept, operands..., value, adjoint)`. Ops without one
/// keep nothing (an empty member) and run `value` and `vjp`. Evaluation without a tape (tt::eval,
/// forward mode) runs `value` alone.
struct nothing_kept {};
template <class Op, class... V>
struct kept_of {
  using type = nothing_kept;
};
template <class Op, class... V>
  requires requires { typename Op::template kept<V...>; }
struct kept_of<Op, V...> {
  using type = typename Op::template kept<V...>;
};
template <class Op, class... V>
using kept_t = typename kept_of<Op, V...>::type;

template <bool Fused, class Op, class... V>
struct node_value {
  using type = std::decay_t<decltype(apply_op<Op>(std::declval<const V&>()...))>;
};
template <class Op, class... V>
struct node_value<true, Op, V...> {
  using E = std::decay_t<decltype(Op::value(std::declval<const elem_t<V>&>()...))>;
  using type = typename tensor_result<E, V...>::type;
};

template <class V, class F>
struct fused_record_of;
template <class V, class... F>
struct fused_record_of<V, tlist<F...>> {
  struct type {
    V v;
    std::tuple<typename F::record...> f;  // the region's inputs
  };
};
template <bool Fused, class V, class Plain, class... K>
struct record_select {
  using type = Plain;
};
template <class V, class Plain, class... K>
struct record_select<true, V, Plain, K...> {
  using type = typename fused_record_of<V, frontier_t<K...>>::type;
};

}  // namespace detail
}  // namespace tt
