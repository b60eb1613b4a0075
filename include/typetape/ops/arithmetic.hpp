// + - * / and unary -, mixed freely with plain numbers.
#pragma once

#include "../core/expression.hpp"
#include "../core/sum_chain.hpp"

namespace tt {
namespace detail {

template <class L, class R>
concept binary_operands = operand<L> && operand<R> && (expression<L> || expression<R>);

struct add_op {
  static constexpr std::string_view name = "add (+)";
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
  static constexpr std::string_view name = "subtract (-)";
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a - b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr G vjp(const A&, const B&, const V&, const G& g) {
    if constexpr (I == 0) return g;
    else return -g;
  }
};
struct mul_op {
  static constexpr std::string_view name = "multiply (*)";
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a * b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr auto vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0) return g * b;
    else return g * a;
  }
};
struct div_op {
  static constexpr std::string_view name = "divide (/)";
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return a / b;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static constexpr auto vjp(const A&, const B& b, const V& v, const G& g) {
    if constexpr (I == 0) return g / b;
    else return -(g * v) / b;  // d(a/b)/db = -a/b^2 = -v/b
  }
};
struct neg_op {
  static constexpr std::string_view name = "negate (-)";
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
  static_assert(diag::fixed_shapes_broadcast<detail::operand_values<L, R>, detail::operand_shapes_fit<L, R>>, TT_E12_FIXED);
  return detail::add_or_chain<false>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator-(L&& l, R&& r) {
  static_assert(diag::fixed_shapes_broadcast<detail::operand_values<L, R>, detail::operand_shapes_fit<L, R>>, TT_E12_FIXED);
  return detail::add_or_chain<true>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator*(L&& l, R&& r) {
  static_assert(diag::fixed_shapes_broadcast<detail::operand_values<L, R>, detail::operand_shapes_fit<L, R>>, TT_E12_FIXED);
  return detail::make<detail::mul_op>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator/(L&& l, R&& r) {
  static_assert(diag::fixed_shapes_broadcast<detail::operand_values<L, R>, detail::operand_shapes_fit<L, R>>, TT_E12_FIXED);
  return detail::make<detail::div_op>(std::forward<L>(l), std::forward<R>(r));
}
template <class A>
  requires expression<A>
constexpr auto operator-(A&& a) {
  return detail::make<detail::neg_op>(std::forward<A>(a));
}

}  // namespace tt
