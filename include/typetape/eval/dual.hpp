// Dual numbers: a value and a tangent, for forward mode. No derivative is written here:
// an op on duals takes its value from the op's `value` and its tangent from the op's
// `vjp` (detail::derived_value), so an expression evaluated on duals gives its
// directional derivative (jvp), and a reverse pass run on duals gives a
// Hessian-vector product (forward over reverse: the adjoints' tangents).
// The arithmetic and standard functions are hidden friends (for the VJP bodies, which
// run on duals in forward-over-reverse), each one line naming its op.
#pragma once

#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../ops/control.hpp"

namespace tt {

template <class T>
struct dual {
  static_assert(std::is_floating_point_v<T>, TT_E15_DUAL);
  using value_type = T;
  T v{};  // the value
  T d{};  // the tangent: the derivative along the seeded direction

  constexpr dual() = default;
  constexpr dual(T value, T tangent = T(0))
      : v(value), d(tangent) {}  // NOLINT: a number is a constant dual
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
  constexpr dual(U value) : v(static_cast<T>(value)) {}  // NOLINT: as above
  /// cast<int>() and the like: the value (a detaching cast has no tangent).
  template <class U>
    requires std::is_arithmetic_v<U>
  explicit constexpr operator U() const { return static_cast<U>(v); }

  constexpr dual& operator+=(const dual& b) {
    v += b.v;
    d += b.d;
    return *this;
  }
  constexpr dual& operator-=(const dual& b) {
    v -= b.v;
    d -= b.d;
    return *this;
  }
  constexpr dual& operator*=(const dual& b) { return *this = *this * b; }
  constexpr dual& operator/=(const dual& b) { return *this = *this / b; }

  friend constexpr dual operator+(const dual& a) { return a; }
  // The rules are the ops' own (ops/*.hpp): value from `value`, tangent from `vjp`
  // (detail::derived_value below); nothing here restates a derivative.
  friend constexpr dual operator-(const dual& a) { return rule<detail::neg_op>(a); }
  friend constexpr dual operator+(const dual& a, const dual& b) {
    return rule<detail::add_op>(a, b);
  }
  friend constexpr dual operator-(const dual& a, const dual& b) {
    return rule<detail::sub_op>(a, b);
  }
  friend constexpr dual operator*(const dual& a, const dual& b) {
    return rule<detail::mul_op>(a, b);
  }
  friend constexpr dual operator/(const dual& a, const dual& b) {
    return rule<detail::div_op>(a, b);
  }
  // comparisons look at values (a branch taken is a branch, in forward mode too)
  friend constexpr bool operator==(const dual& a, const dual& b) { return a.v == b.v; }
  friend constexpr bool operator!=(const dual& a, const dual& b) { return a.v != b.v; }
  friend constexpr bool operator<(const dual& a, const dual& b) { return a.v < b.v; }
  friend constexpr bool operator<=(const dual& a, const dual& b) { return a.v <= b.v; }
  friend constexpr bool operator>(const dual& a, const dual& b) { return a.v > b.v; }
  friend constexpr bool operator>=(const dual& a, const dual& b) { return a.v >= b.v; }

  // The standard functions, for the ops' VJP bodies run on duals (tt::hvp, hessian) and
  // for custom_vjp functions written with them; found by argument-dependent lookup.
  friend dual exp(const dual& a) { return rule<detail::exp_op>(a); }
  friend dual log(const dual& a) { return rule<detail::log_op>(a); }
  friend dual sqrt(const dual& a) { return rule<detail::sqrt_op>(a); }
  friend dual sin(const dual& a) { return rule<detail::sin_op>(a); }
  friend dual cos(const dual& a) { return rule<detail::cos_op>(a); }
  friend dual tan(const dual& a) { return rule<detail::tan_op>(a); }
  friend dual tanh(const dual& a) { return rule<detail::tanh_op>(a); }
  friend dual abs(const dual& a) { return rule<detail::abs_op>(a); }
  friend dual log1p(const dual& a) { return rule<detail::log1p_op>(a); }
  friend dual expm1(const dual& a) { return rule<detail::expm1_op>(a); }
  friend dual erf(const dual& a) { return rule<detail::erf_op>(a); }
  friend dual pow(const dual& a, const dual& b) { return rule<detail::pow_op>(a, b); }
  friend dual atan2(const dual& y, const dual& x) { return rule<detail::atan2_op>(y, x); }
  friend dual floor(const dual& a) { return rule<detail::floor_op>(a); }
  friend dual ceil(const dual& a) { return rule<detail::ceil_op>(a); }
  friend dual trunc(const dual& a) { return rule<detail::trunc_op>(a); }

 private:
  template <class Op, class... A>
  static constexpr dual rule(const A&... a) {
    return detail::derived_value<Op>(a...);
  }
};

namespace detail {
template <class T>
inline constexpr bool is_dual<dual<T>> = true;

template <class A>
constexpr const auto& primal(const A& a) {
  if constexpr (is_dual<A>)
    return a.v;
  else
    return a;
}

/// Forward mode from an op's own rules: for f(a_0, ..., a_n) at duals (a_i, t_i), the value
/// is f's `value` at the a_i and the tangent is the sum over the differentiable operands of
/// `vjp<i>(a..., v, t_i)` (a VJP is linear in its adjoint, so seeding it with the tangent
/// gives d f / d a_i times t_i). Operands with a zero tangent add nothing (so pow(0, -1)'s
/// infinite partial does not turn a constant exponent's zero into NaN); detaching operands
/// (op_cut) add nothing. Nested duals recurse through apply_op.
/// Operand J's share of the tangent: vjp<J> seeded with the operand's tangent.
template <class Op, std::size_t J, class P, class... A>
constexpr P tangent_share(const P& v, const A&... a) {
  using AJ = std::tuple_element_t<J, std::tuple<A...>>;
  if constexpr (is_dual<AJ> && op_cut<Op>(J) == 0) {
    const auto& tj = std::get<J>(std::forward_as_tuple(a...)).d;
    if (tj != std::remove_cvref_t<decltype(tj)>(0))
      return static_cast<P>(Op::template vjp<J>(primal(a)..., v, tj));
  }
  return P(0);
}

template <class Op, class... A>
constexpr auto derived_value(const A&... a) {
  const auto v = apply_op<Op>(primal(a)...);
  using P = std::remove_cvref_t<decltype(v)>;
  if constexpr (!std::is_floating_point_v<P>) {
    return v;  // a comparison's bool
  } else {
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return dual<P>{v, (P(0) + ... + tangent_share<Op, J>(v, a...))};
    }
    (std::index_sequence_for<A...>{});
  }
}

/// The lanes of the higher-order entry points: duals for floating-point leaves.
struct dual_lanes {
  template <class T>
  using type = std::conditional_t<std::is_floating_point_v<T>, dual<T>, T>;
};
}  // namespace detail

}  // namespace tt

template <class T, class U>
  requires std::is_arithmetic_v<U>
struct std::common_type<tt::dual<T>, U> {
  using type = tt::dual<T>;
};
template <class T, class U>
  requires std::is_arithmetic_v<U>
struct std::common_type<U, tt::dual<T>> {
  using type = tt::dual<T>;
};
