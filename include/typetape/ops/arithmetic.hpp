// + - * / and unary -, mixed freely with plain numbers.
//
// An elementwise op is one struct, its single source of truth:
//   value(a...)              the forward rule (on numbers, SIMD batches, tensor elements)
//   vjp<I>(a..., v, g)       the adjoint of operand I, given the value v and the adjoint g;
//                            forward mode (duals: jvp, hvp, hessian) is derived from it
//   name                     what diagnostics and test reports call it
//   domain                   where its tests draw operands (finite differences valid
//                            inside) and a point where its derivative is a convention
//   torch                    its PyTorch spelling, for the oracle (scripts/make-oracle)
// and one row in detail::elementwise_ops (ops/elementwise.hpp), which every test kind
// iterates: gradcheck in double and float, tensors with broadcasting, higher order, the oracle.
#pragma once

#include "../core/expression.hpp"
#include "../core/sum_chain.hpp"

namespace tt {
namespace detail {

// clang-format 14 would write "&&(" in this concept
// clang-format off
template <class L, class R>
concept binary_operands = operand<L> && operand<R> && (expression<L> || expression<R>);
// clang-format on

/// Do the fixed shapes among a binary operator's operands broadcast (TT-E12)? Each
/// elementwise binary operator asserts it itself, so that the diagnostic names the user's call.
template <class L, class R>
inline constexpr bool shapes_fit =
    diag::fixed_shapes_broadcast<operand_values<L, R>, operand_shapes_fit<L, R>>;

/// An operand range for the tests: [lo, hi].
struct interval {
  double lo, hi;
};
/// Where an op's tests draw operands: `a` for the first, `b` for the second (a binary op);
/// `kink`, if not NaN, is a point where the derivative is a convention (every operand set to
/// it), tested to lie between the one-sided derivatives there.
struct op_domain {
  interval a;
  interval b = a;
  double kink = __builtin_nan("");
};

struct add_op {
  static constexpr std::string_view name = "add (+)", torch = "torch.add";
  static constexpr op_domain domain{{-3, 3}};
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a + b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr G vjp(const A&, const B&, const V&, const G& g) {
    return g;
  }
};
struct sub_op {
  static constexpr std::string_view name = "subtract (-)", torch = "torch.sub";
  static constexpr op_domain domain{{-3, 3}};
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a - b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr G vjp(const A&, const B&, const V&, const G& g) {
    if constexpr (I == 0)
      return g;
    else
      return -g;
  }
};
struct mul_op {
  static constexpr std::string_view name = "multiply (*)", torch = "torch.mul";
  static constexpr op_domain domain{{-3, 3}};
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a * b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr auto vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0)
      return g * b;
    else
      return g * a;
  }
};
struct div_op {
  static constexpr std::string_view name = "divide (/)", torch = "torch.div";
  static constexpr op_domain domain{{-3, 3}, {0.2, 3}};
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a / b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr auto vjp(const A&, const B& b, const V& v, const G& g) {
    if constexpr (I == 0)
      return g / b;
    else
      return -(g * v) / b;  // d(a/b)/db = -a/b^2 = -v/b
  }
};
struct neg_op {
  static constexpr std::string_view name = "negate (-)", torch = "torch.neg";
  static constexpr op_domain domain{{-3, 3}};
  template <class A>
  static constexpr auto value(const A& a) {
    return -a;
  }
  template <std::size_t I, class A, class V, class G>
  static constexpr G vjp(const A&, const V&, const G& g) {
    return -g;
  }
};

}  // namespace detail

template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator+(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  using temporary = detail::first_temporary_t<L&&, R&&>;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::add_or_chain<false, false>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator-(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  using temporary = detail::first_temporary_t<L&&, R&&>;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::add_or_chain<true, false>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator*(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  using temporary = detail::first_temporary_t<L&&, R&&>;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::make<detail::mul_op, false>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator/(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  using temporary = detail::first_temporary_t<L&&, R&&>;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::make<detail::div_op, false>(std::forward<L>(l), std::forward<R>(r));
}
template <class A>
  requires expression<A>
constexpr auto operator-(A&& a) {
  using temporary = detail::first_temporary_t<A&&>;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::make<detail::neg_op, false>(std::forward<A>(a));
}

}  // namespace tt
