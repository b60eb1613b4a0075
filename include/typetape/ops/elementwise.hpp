// Elementwise math. Each op: forward rule `value`, vector-Jacobian rule `vjp<I>`
// (operand values..., the op's own value v, the adjoint g). Where a derivative is
// a matter of convention (abs, relu, min/max at ties, pow's exponent at base <= 0)
// the rule matches TensorFlow's.
#pragma once

#include <cmath>
#include <numbers>

#include "arithmetic.hpp"

namespace tt {
namespace detail {

// Unqualified calls after `using std::f;` let other back ends (xsimd) supply f by ADL.
struct exp_op {
  template <class A>
  static auto value(const A& a) { using std::exp; return exp(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) { return g * v; }
};
struct log_op {
  template <class A>
  static auto value(const A& a) { using std::log; return log(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { return g / a; }
};
struct sqrt_op {
  template <class A>
  static auto value(const A& a) { using std::sqrt; return sqrt(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) { return g / (v + v); }
};
struct sin_op {
  template <class A>
  static auto value(const A& a) { using std::sin; return sin(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { using std::cos; return g * cos(a); }
};
struct cos_op {
  template <class A>
  static auto value(const A& a) { using std::cos; return cos(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { using std::sin; return -(g * sin(a)); }
};
struct tan_op {
  template <class A>
  static auto value(const A& a) { using std::tan; return tan(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) { return g * (V(1) + v * v); }
};
struct tanh_op {
  template <class A>
  static auto value(const A& a) { using std::tanh; return tanh(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) { return g * (V(1) - v * v); }
};
struct sigmoid_op {
  template <class A>
  static A value(const A& a) {  // stable on both tails
    using std::exp;
    const A e = exp(-select(a < A(0), -a, a));  // exp(-|a|) in (0, 1]
    return select(a < A(0), e / (A(1) + e), A(1) / (A(1) + e));
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) { return g * (v * (V(1) - v)); }
};
struct relu_op {
  template <class A>
  static A value(const A& a) { return select(!(a <= A(0)), a, A(0)); }  // NaN stays NaN
  template <std::size_t, class A, class V, class G>
  static G vjp(const A& a, const V&, const G& g) { return select(a > A(0), g, G(0)); }
};
struct abs_op {
  template <class A>
  static auto value(const A& a) { using std::abs; return abs(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { return g * sign(a); }
};
struct square_op {
  template <class A>
  static auto value(const A& a) { return a * a; }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { return g * (a + a); }
};
struct log1p_op {
  template <class A>
  static auto value(const A& a) { using std::log1p; return log1p(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) { return g / (A(1) + a); }
};
struct expm1_op {
  template <class A>
  static auto value(const A& a) { using std::expm1; return expm1(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {  // exp(a), not v + 1: exact as a -> -inf (as TF)
    using std::exp;
    return g * exp(a);
  }
};
struct erf_op {
  template <class A>
  static auto value(const A& a) { using std::erf; return erf(a); }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    using std::exp;
    return g * (A(2 * std::numbers::inv_sqrtpi) * exp(-(a * a)));
  }
};
struct pow_op {
  static constexpr std::string_view name = "pow";
  template <class A, class B>
  static auto value(const A& a, const B& b) { using std::pow; return pow(a, b); }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& a, const B& b, const V& v, const G& g) {
    using std::log;
    using std::pow;
    if constexpr (I == 0) return g * (b * pow(a, b - B(1)));
    else return g * (v * select(a > A(0), log(select(a > A(0), a, A(1))), A(0)));
  }
};
struct max_op {
  static constexpr std::string_view name = "max";  // ties go to the first operand, as in TensorFlow; NaN propagates from either
  template <class A, class B>
  static auto value(const A& a, const B& b) { return select(max_takes_first(a, b), a, b); }
  template <std::size_t I, class A, class B, class V, class G>
  static G vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0) return select(max_takes_first(a, b), g, G(0));
    else return select(max_takes_first(a, b), G(0), g);
  }
};
struct min_op {
  static constexpr std::string_view name = "min";
  template <class A, class B>
  static auto value(const A& a, const B& b) { return select(min_takes_first(a, b), a, b); }
  template <std::size_t I, class A, class B, class V, class G>
  static G vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0) return select(min_takes_first(a, b), g, G(0));
    else return select(min_takes_first(a, b), G(0), g);
  }
};
struct atan2_op {
  static constexpr std::string_view name = "atan2";  // atan2(y, x)
  template <class A, class B>
  static auto value(const A& y, const B& x) { using std::atan2; return atan2(y, x); }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& y, const B& x, const V&, const G& g) {
    const auto r2 = x * x + y * y;
    if constexpr (I == 0) return g * x / r2;
    else return -(g * y) / r2;
  }
};

}  // namespace detail

#define TT_UNARY_FUNCTION(fn, op)                         \
  template <class A>                                      \
    requires expression<A>                                \
  constexpr auto fn(A&& a) {                              \
    return detail::make<detail::op>(std::forward<A>(a));  \
  }
#define TT_BINARY_FUNCTION(fn, op)                                              \
  template <class L, class R>                                                   \
    requires detail::binary_operands<L, R>                                      \
  constexpr auto fn(L&& l, R&& r) {                                             \
    static_assert(diag::fixed_shapes_broadcast<detail::operand_values<L, R>,   \
                                               detail::operand_shapes_fit<L, R>>, \
                  TT_E12_FIXED);                                                \
    return detail::make<detail::op>(std::forward<L>(l), std::forward<R>(r));    \
  }

TT_UNARY_FUNCTION(exp, exp_op)
TT_UNARY_FUNCTION(log, log_op)
TT_UNARY_FUNCTION(sqrt, sqrt_op)
TT_UNARY_FUNCTION(sin, sin_op)
TT_UNARY_FUNCTION(cos, cos_op)
TT_UNARY_FUNCTION(tan, tan_op)
TT_UNARY_FUNCTION(tanh, tanh_op)
TT_UNARY_FUNCTION(sigmoid, sigmoid_op)
TT_UNARY_FUNCTION(relu, relu_op)
TT_UNARY_FUNCTION(abs, abs_op)
TT_UNARY_FUNCTION(square, square_op)
TT_UNARY_FUNCTION(log1p, log1p_op)
TT_UNARY_FUNCTION(expm1, expm1_op)
TT_UNARY_FUNCTION(erf, erf_op)
TT_BINARY_FUNCTION(pow, pow_op)
TT_BINARY_FUNCTION(max, max_op)
TT_BINARY_FUNCTION(min, min_op)
TT_BINARY_FUNCTION(atan2, atan2_op)

}  // namespace tt
