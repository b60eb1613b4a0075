// The generic node: node<Op, K...> applies the op Op to its kids K.... Every element of
// an expression tree (leaves, nodes, loops, sums) has:
//   value_type                    the value it computes
//   record                        what the tape keeps of it: `v` (its value) and the kids' records
//   forward(record&, ctx)         computes the record from the leaves (and let slots in ctx)
//   backward(record, g, ctx)      pushes the adjoint g to the kids the ctx wants
// Nodes are plain aggregates; an op is an empty tag type whose forward rule
// (`value`) and vector-Jacobian rule (`vjp<I>`) sit together (ops/*.hpp). How a node
// evaluates on tensors and duals is in detail/node_eval.hpp.
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

#include "../detail/node_eval.hpp"
#include "../detail/scalar.hpp"

namespace tt {

// ---- the generic node ---------------------------------------------------------------------

namespace detail {
template <class Op>
inline constexpr bool is_comparison = requires {
  typename Op::comparison;
};
/// The adjoint handed to an operand whose value type is V (moved when it is one).
template <class V, class G>
TT_INLINE constexpr decltype(auto) adjoint_to(G&& g) {
  if constexpr (std::is_same_v<std::remove_cvref_t<G>, V>)
    return std::forward<G>(g);
  else
    return static_cast<V>(std::forward<G>(g));
}
}  // namespace detail

namespace detail {
template <class E>
inline constexpr bool is_tensor_var_ref = false;
template <class Name, class T>
inline constexpr bool is_tensor_var_ref<var_ref<Name, T>> = tensor_like<T>;

struct add_op;
struct sub_op;
struct mul_op;
struct div_op;
struct neg_op;

/// Is E a sum or mean over a whole fused region (node::sums_region), or a tt::sum_over loop?
template <class E>
inline constexpr bool sums_region_v = false;

/// Can E's forward pass leave a sum over a fused region (or a tt::sum_over loop) below it
/// unsummed, because nothing on the way up to E reads that sum's value? (Specialised below.)
template <class E>
struct unread_forward : std::false_type {};
/// Does the backward pass of node<Op, K...> never read the value of kid I (nor the node's
/// own value) when only non-constant kids ask for adjoints? + - and unary - read no value;
/// * by a constant leaf reads the constant; / by a constant leaf, kid 0, reads the constant.
template <class Op, std::size_t I, class... K>
struct ignores_kid_value : std::false_type {};
}  // namespace detail

/// An op applied to its operands (kids). Plain aggregate: `node<Op, K...>{{k...}}`.
template <class Op, class... K>
struct node {
  using tt_expression = void;
  static constexpr bool fused = detail::fusable_v<Op, typename K::value_type...>;
  using value_type = typename detail::node_value<fused, Op, typename K::value_type...>::type;
  std::tuple<K...> kids;

  using kept_type = detail::kept_t<Op, typename K::value_type...>;
  static constexpr bool keeps = !std::is_same_v<kept_type, detail::nothing_kept>;
  struct plain_record {
    value_type v;
    std::tuple<typename K::record...> kids;
    [[no_unique_address]] kept_type kept;  // detail::kept_of
  };
  using record = typename detail::record_select<fused, value_type, plain_record, K...>::type;

  /// A sum or mean over every element of a fused region: the region sums as it
  /// goes and its elements are never stored; backward seeds them all with one value.
  static constexpr bool sums_region = [] {
    if constexpr (requires { Op::sums_region; } && sizeof...(K) == 1)
      return Op::sums_region && (detail::is_fused_node<K> && ...);
    else
      return false;
  }();

  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx& ctx) const {
    if constexpr (fused) {
      detail::fused_kernel<node>::forward(*this, r, ctx);
    } else if constexpr (sums_region) {
      using kid = std::tuple_element_t<0, std::tuple<K...>>;
      const auto [s, n] =
          detail::fused_kernel<kid>::forward_sum(std::get<0>(kids), std::get<0>(r.kids), ctx);
      r.v = Op::finish_sum(s, n);
    } else {
      forward_kids(r, ctx, std::index_sequence_for<K...>{});
    }
  }

  /// The forward pass of a sums_region node whose own value is not needed (the
  /// target of tt::gradient's short form): its region's inputs only.
  template <class Ctx>
  TT_INLINE constexpr void forward_inputs(record& r, const Ctx& ctx) const requires sums_region {
    using kid = std::tuple_element_t<0, std::tuple<K...>>;
    detail::fused_kernel<kid>::forward_inputs(std::get<0>(kids), std::get<0>(r.kids), ctx);
  }

  /// The kids' forward passes alone, the node's own value left unset (a slice a fused region
  /// reads in place from its operand: detail::slice_input).
  template <class Ctx>
  TT_INLINE constexpr void forward_operands(record& r, const Ctx& ctx) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA {
      (std::get<I>(kids).forward(std::get<I>(r.kids), ctx), ...);
    }
    (std::index_sequence_for<K...>{});
  }

  /// The forward pass when nothing reads this node's value (tt::gradient's target, or a kid
  /// of such a node through + - and products with constants, detail::unread_forward): a sum
  /// over a fused region below runs only its inputs (its backward pass visits the elements
  /// once), and the values on the way up are not computed.
  template <class Ctx>
  TT_INLINE constexpr void forward_unread(record& r, const Ctx& ctx) const {
    if constexpr (sums_region) {
      forward_inputs(r, ctx);
    } else {
      [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA {
        (forward_kid_unread<I>(r, ctx), ...);
      }
      (std::index_sequence_for<K...>{});
    }
  }

  template <class Ctx>
  TT_INLINE constexpr void backward(const record& r, const value_type& g, Ctx& ctx) const {
    if constexpr (fused) {
      detail::fused_kernel<node>::backward(*this, r, g, ctx);
    } else if constexpr (sums_region) {
      using kid = std::tuple_element_t<0, std::tuple<K...>>;
      if constexpr (detail::op_cut<Op>(0) == 0 && Ctx::template wants<kid>) {
        const auto& kr = std::get<0>(r.kids);
        detail::fused_kernel<kid>::backward_uniform(std::get<0>(kids), kr,
                                                    Op::sum_adjoint(g, kr, std::get<0>(kids)), ctx);
      }
    } else {
      backward_kids(r, g, ctx, std::index_sequence_for<K...>{});
    }
  }

  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }

  /// A recorded comparison used as a C++ condition or stored in a bool: TT-E06.
  /// Implicit on purpose, so that `bool b = x > 1.0;` reaches the diagnostic too.
  operator bool() const  // NOLINT(google-explicit-constructor)
      requires detail::is_comparison<Op> {
    static_assert(diag::comparison_is_not_used_as_a_branch<node, false>, TT_E06);
    return false;
  }
  /// `loss = loss + term;` in a C++ loop (another expression type): TT-E14, naming the
  /// loop node that records such a loop (tt::sum_over); `loss += term` is below.
  template <class U>
    requires(expression<U> && !std::is_same_v<std::remove_cvref_t<U>, node>)
  node& operator=(U&&) {
    static_assert(diag::expression_is_built_once_use_tt_sum_over<node, false>, TT_E14);
    return *this;
  }
  /// `double loss = expr;`: TT-E14 (an expression is not a number; tt::eval gives its value).
  operator value_type()
      const  // NOLINT(google-explicit-constructor): implicit, to reach the diagnostic
      requires(std::is_arithmetic_v<value_type> && !std::same_as<Op, detail::extract_op> &&
               !detail::is_comparison<Op>) {
    static_assert(diag::expression_is_built_once_use_tt_sum_over<node, false>, TT_E14_NUMBER);
    return value_type{};
  }
  /// A value taken out with .value() converts to a plain number.
  operator value_type() const  // NOLINT: implicit on purpose
      requires std::same_as<Op, detail::extract_op> {
    return tt::eval(std::get<0>(kids));
  }

 private:
  template <std::size_t I, class Ctx>
  TT_INLINE constexpr void forward_kid_unread(record& r, const Ctx& ctx) const {
    using kid = std::tuple_element_t<I, std::tuple<K...>>;
    constexpr bool ignored = detail::ignores_kid_value<Op, I, K...>::value;
    if constexpr (ignored && detail::sums_region_v<kid>)
      std::get<I>(kids).forward_inputs(std::get<I>(r.kids), ctx);
    else if constexpr (ignored && detail::unread_forward<kid>::value)
      std::get<I>(kids).forward_unread(std::get<I>(r.kids), ctx);
    else
      std::get<I>(kids).forward(std::get<I>(r.kids), ctx);
  }
  template <class Ctx, std::size_t... I>
  TT_INLINE constexpr void forward_kids(record& r, const Ctx& ctx,
                                        std::index_sequence<I...>) const {
    (std::get<I>(kids).forward(std::get<I>(r.kids), ctx), ...);
    if constexpr (keeps)
      r.v = Op::value_keeping(r.kept, detail::val(std::get<I>(r.kids))...);
    else
      detail::apply_op_into<Op>(r.v, detail::val(std::get<I>(r.kids))...);
  }
  template <class Ctx, std::size_t... I>
  TT_INLINE constexpr void backward_kids(const record& r, const value_type& g, Ctx& ctx,
                                         std::index_sequence<I...> all) const {
    (backward_kid<I>(r, g, ctx, all), ...);
  }
  template <std::size_t I, class Ctx, std::size_t... J>
  TT_INLINE constexpr void backward_kid(const record& r, const value_type& g, Ctx& ctx,
                                        std::index_sequence<J...>) const {
    using kid = std::tuple_element_t<I, std::tuple<K...>>;
    if constexpr (detail::op_cut<Op>(I) == 0 && Ctx::template wants<kid> && I == 0 &&
                  detail::is_tensor_var_ref<kid> && requires { Op::adds_in_place; }) {
      // a slice of a variable: its adjoint added where it belongs in the variable's own
      Op::vjp_add(
          detail::val(std::get<J>(r.kids))..., g,
          ctx.template element_buffer<typename kid::name_type>(detail::val(std::get<0>(r.kids))));
    } else if constexpr (detail::op_cut<Op>(I) == 0 && Ctx::template wants<kid> &&
                         detail::is_tensor_var_ref<kid> && requires { Op::writes_in_place; }) {
      // a variable operand of a product: its adjoint stored or added where it lies
      bool add = false;
      auto* out =
          ctx.template write_buffer<typename kid::name_type>(detail::val(std::get<I>(r.kids)), add);
      Op::template vjp_into<I>(detail::val(std::get<J>(r.kids))..., r.v, g, out, add);
    } else if constexpr (detail::op_cut<Op>(I) == 0 && Ctx::template wants<kid> && keeps) {
      std::get<I>(kids).backward(
          std::get<I>(r.kids),
          detail::adjoint_to<typename kid::value_type>(
              Op::template vjp_kept<I>(r.kept, detail::val(std::get<J>(r.kids))..., r.v, g)),
          ctx);
    } else if constexpr (detail::op_cut<Op>(I) == 0 && Ctx::template wants<kid>) {
      std::get<I>(kids).backward(std::get<I>(r.kids),
                                 detail::adjoint_to<typename kid::value_type>(Op::template vjp<I>(
                                     detail::val(std::get<J>(r.kids))..., r.v, g)),
                                 ctx);
    }
  }
};

namespace detail {
template <class Op, class... K>
inline constexpr bool sums_region_v<node<Op, K...>> = node<Op, K...>::sums_region;

template <class T>
inline constexpr bool is_constant_leaf = false;
template <class T>
inline constexpr bool is_constant_leaf<constant<T>> = true;
template <std::size_t I, class... K>
struct ignores_kid_value<add_op, I, K...> : std::true_type {};
template <std::size_t I, class... K>
struct ignores_kid_value<sub_op, I, K...> : std::true_type {};
template <class K0>
struct ignores_kid_value<neg_op, 0, K0> : std::true_type {};
template <class K0, class K1>
struct ignores_kid_value<mul_op, 0, K0, K1> : std::bool_constant<is_constant_leaf<K1>> {};
template <class K0, class K1>
struct ignores_kid_value<mul_op, 1, K0, K1> : std::bool_constant<is_constant_leaf<K0>> {};
template <class K0, class K1>
struct ignores_kid_value<div_op, 0, K0, K1> : std::bool_constant<is_constant_leaf<K1>> {};

/// A reduction whose vjp does not read its value (reduce_op::vjp_reads_value).
template <class Op>
inline constexpr bool reduction_ignores_value = [] {
  if constexpr (requires { Op::vjp_reads_value; })
    return !Op::vjp_reads_value;
  else
    return false;
}();

/// Does node<Op, K...> ignore the value of some kid that is a sum or an unread_forward node?
template <class Op, class... K>
inline constexpr bool ignores_a_summing_kid = []<std::size_t... I>(std::index_sequence<I...>) {
  return (
      (ignores_kid_value<Op, I, K...>::value && (sums_region_v<K> || unread_forward<K>::value)) ||
      ...);
}
(std::index_sequence_for<K...>{});

/// A scalar node some kid of which is a sum (or an unread_forward node) whose value the node
/// ignores, or a scalar reduction whose own value its vjp ignores (computing it is a pass over
/// the operand or two). Scalar only: a tensor node's adjoint may need its operands' shapes.
template <class Op, class... K>
struct unread_forward<node<Op, K...>>
    : std::bool_constant<node<Op, K...>::sums_region ||
                         (!tensor_like<typename node<Op, K...>::value_type> &&
                          ((!node<Op, K...>::fused && reduction_ignores_value<Op>) ||
                           ignores_a_summing_kid<Op, K...>))> {};
}  // namespace detail

namespace detail {
/// The value type an operand has in a tree (a number's is its own type).
template <class A>
struct operand_value {
  using type = std::remove_cvref_t<A>;
};
template <class A>
  requires expression<A>
struct operand_value<A> {
  using type = typename std::remove_cvref_t<A>::value_type;
};
/// Do the operands' fixed shapes (if any) broadcast? Checked in each elementwise binary
/// operator itself (TT-E12), so that the diagnostic points at the user's call.
template <class... A>
inline constexpr bool operand_shapes_fit =
    static_shapes_broadcast<typename operand_value<A>::type...>;
template <class... A>
using operand_values = tlist<typename operand_value<A>::type...>;
}  // namespace detail

}  // namespace tt
