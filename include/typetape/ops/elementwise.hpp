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
  static constexpr std::string_view name = "exp", torch = "torch.exp";
  static constexpr op_domain domain{{-5, 5}};
  template <class A>
  static auto value(const A& a) {
    using std::exp;
    return exp(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) {
    return g * v;
  }
};
struct log_op {
  static constexpr std::string_view name = "log", torch = "torch.log";
  static constexpr op_domain domain{{1e-2, 50}};
  template <class A>
  static auto value(const A& a) {
    using std::log;
    return log(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g / a;
  }
};
struct sqrt_op {
  static constexpr std::string_view name = "sqrt", torch = "torch.sqrt";
  static constexpr op_domain domain{{1e-2, 50}};
  template <class A>
  static auto value(const A& a) {
    using std::sqrt;
    return sqrt(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) {
    return g / (v + v);
  }
};
struct sin_op {
  static constexpr std::string_view name = "sin", torch = "torch.sin";
  static constexpr op_domain domain{{-6, 6}};
  template <class A>
  static auto value(const A& a) {
    using std::sin;
    return sin(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    using std::cos;
    return g * cos(a);
  }
};
struct cos_op {
  static constexpr std::string_view name = "cos", torch = "torch.cos";
  static constexpr op_domain domain{{-6, 6}};
  template <class A>
  static auto value(const A& a) {
    using std::cos;
    return cos(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    using std::sin;
    return -(g * sin(a));
  }
};
struct tan_op {
  static constexpr std::string_view name = "tan", torch = "torch.tan";
  static constexpr op_domain domain{{-1.5, 1.5}};
  template <class A>
  static auto value(const A& a) {
    using std::tan;
    return tan(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) {
    return g * (V(1) + v * v);
  }
};
struct tanh_op {
  static constexpr std::string_view name = "tanh", torch = "torch.tanh";
  static constexpr op_domain domain{{-4, 4}};
  template <class A>
  static auto value(const A& a) {
    using std::tanh;
    return tanh(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) {
    return g * (V(1) - v * v);
  }
};
struct sigmoid_op {
  static constexpr std::string_view name = "sigmoid", torch = "torch.sigmoid";
  static constexpr op_domain domain{{-8, 8}};
  template <class A>
  static A value(const A& a) {  // stable on both tails
    using std::exp;
    const A e = exp(-select(a < A(0), -a, a));  // exp(-|a|) in (0, 1]
    return select(a < A(0), e / (A(1) + e), A(1) / (A(1) + e));
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A&, const V& v, const G& g) {
    return g * (v * (V(1) - v));
  }
};
struct relu_op {
  static constexpr std::string_view name = "relu", torch = "torch.relu";
  static constexpr op_domain domain{.a = {-3, 3}, .kink = 0};
  template <class A>
  static A value(const A& a) {
    return select(!(a <= A(0)), a, A(0));
  }  // NaN stays NaN
  template <std::size_t, class A, class V, class G>
  static G vjp(const A& a, const V&, const G& g) {
    return select(a > A(0), g, G(0));
  }
};
struct abs_op {
  static constexpr std::string_view name = "abs", torch = "torch.abs";
  static constexpr op_domain domain{.a = {-3, 3}, .kink = 0};
  template <class A>
  static auto value(const A& a) {
    using std::abs;
    return abs(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g * sign(a);
  }
};
struct square_op {
  static constexpr std::string_view name = "square", torch = "torch.square";
  static constexpr op_domain domain{{-3, 3}};
  template <class A>
  static auto value(const A& a) {
    return a * a;
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g * (a + a);
  }
};
struct log1p_op {
  static constexpr std::string_view name = "log1p", torch = "torch.log1p";
  static constexpr op_domain domain{{-0.99, 10}};
  template <class A>
  static auto value(const A& a) {
    using std::log1p;
    return log1p(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g / (A(1) + a);
  }
};
struct expm1_op {
  static constexpr std::string_view name = "expm1", torch = "torch.expm1";
  static constexpr op_domain domain{{-5, 5}};
  template <class A>
  static auto value(const A& a) {
    using std::expm1;
    return expm1(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&,
                  const G& g) {  // exp(a), not v + 1: exact as a -> -inf (as TF)
    using std::exp;
    return g * exp(a);
  }
};
struct erf_op {
  static constexpr std::string_view name = "erf", torch = "torch.erf";
  static constexpr op_domain domain{{-3, 3}};
  template <class A>
  static auto value(const A& a) {
    using std::erf;
    return erf(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    using std::exp;
    return g * (A(2 * std::numbers::inv_sqrtpi) * exp(-(a * a)));
  }
};
struct pow_op {
  static constexpr std::string_view name = "pow", torch = "torch.pow";
  static constexpr op_domain domain{{0.05, 4}, {-3, 3}};
  template <class A, class B>
  static auto value(const A& a, const B& b) {
    using std::pow;
    return pow(a, b);
  }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& a, const B& b, const V& v, const G& g) {
    using std::log;
    using std::pow;
    if constexpr (I == 0) {  // b a^(b-1) -> 0 where a^(b-1) does (a = 2, b -> -inf; not -inf*0)
      const auto p = pow(a, b - B(1));
      return g * select(p == decltype(p)(0), decltype(p)(0), b * p);
    } else {
      return g * (v * select(a > A(0), log(select(a > A(0), a, A(1))), A(0)));
    }
  }
};
struct max_op {  // ties go to the first operand, as in TensorFlow; NaN propagates from either
  static constexpr std::string_view name = "max", torch = "torch.maximum";
  static constexpr op_domain domain{.a = {-3, 3}, .kink = 0.5};
  template <class A, class B>
  static auto value(const A& a, const B& b) {
    return select(max_takes_first(a, b), a, b);
  }
  template <std::size_t I, class A, class B, class V, class G>
  static G vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0)
      return select(max_takes_first(a, b), g, G(0));
    else
      return select(max_takes_first(a, b), G(0), g);
  }
};
struct min_op {
  static constexpr std::string_view name = "min", torch = "torch.minimum";
  static constexpr op_domain domain{.a = {-3, 3}, .kink = 0.5};
  template <class A, class B>
  static auto value(const A& a, const B& b) {
    return select(min_takes_first(a, b), a, b);
  }
  template <std::size_t I, class A, class B, class V, class G>
  static G vjp(const A& a, const B& b, const V&, const G& g) {
    if constexpr (I == 0)
      return select(min_takes_first(a, b), g, G(0));
    else
      return select(min_takes_first(a, b), G(0), g);
  }
};
struct atan2_op {  // atan2(y, x)
  static constexpr std::string_view name = "atan2", torch = "torch.atan2";
  static constexpr op_domain domain{{-3, 3}, {0.1, 3}};
  template <class A, class B>
  static auto value(const A& y, const B& x) {
    using std::atan2;
    return atan2(y, x);
  }
  // (x, -y) / (x^2 + y^2), scaled by the larger of |x|, |y| so that an infinite operand gives
  // the limit 0 (not inf/inf) and large finite ones do not overflow: with t = small / big,
  // x^2 + y^2 = big^2 (1 + t^2). NaN in, NaN out; NaN at the origin, as TensorFlow.
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& y, const B& x, const V&, const G& g) {
    using std::abs;
    using T = decltype(y * x);
    const auto y_big = abs(y) > abs(x);
    const T big = select(y_big, T(y), T(x));
    const T t = select(y_big, T(x), T(y)) / big;
    const T den = big * (T(1) + t * t);
    if constexpr (I == 0)
      return g * select(y_big, t, T(1)) / den;
    else
      return -(g * select(y_big, T(1), t)) / den;
  }
};

struct asinh_op {
  static constexpr std::string_view name = "asinh", torch = "torch.asinh";
  static constexpr op_domain domain{{-5, 5}};
  template <class A>
  static auto value(const A& a) {
    using std::asinh;
    return asinh(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    using std::sqrt;
    return g / sqrt(a * a + A(1));
  }
};
struct acosh_op {
  static constexpr std::string_view name = "acosh", torch = "torch.acosh";
  static constexpr op_domain domain{{1.05, 10}};
  template <class A>
  static auto value(const A& a) {
    using std::acosh;
    return acosh(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&,
                  const G& g) {  // (a - 1)(a + 1): exact near 1, unlike a*a - 1
    using std::sqrt;
    return g / sqrt((a - A(1)) * (a + A(1)));
  }
};
struct atanh_op {
  static constexpr std::string_view name = "atanh", torch = "torch.atanh";
  static constexpr op_domain domain{{-0.95, 0.95}};
  template <class A>
  static auto value(const A& a) {
    using std::atanh;
    return atanh(a);
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g / ((A(1) - a) * (A(1) + a));
  }
};
struct softplus_op {  // log(1 + e^a), stable on both tails; its derivative is sigmoid(a) (as TF)
  static constexpr std::string_view name = "softplus", torch = "torch.nn.functional.softplus";
  static constexpr op_domain domain{{-10, 10}};
  template <class A>
  static A value(const A& a) {
    using std::abs;
    using std::exp;
    using std::log1p;
    return select(a > A(0), a, A(0)) + log1p(exp(-abs(a)));
  }
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g * sigmoid_op::value(a);
  }
};
struct log_sigmoid_op {  // log(sigmoid(a)) = -softplus(-a); derivative sigmoid(-a)
  static constexpr std::string_view name = "log_sigmoid", torch = "torch.nn.functional.logsigmoid";
  static constexpr op_domain domain{{-10, 10}};
  template <class A>
  static A value(const A& a) {
    return -softplus_op::value(A(-a));
  }  // negations are exact
  template <std::size_t, class A, class V, class G>
  static auto vjp(const A& a, const V&, const G& g) {
    return g * sigmoid_op::value(A(-a));
  }
};
struct hypot_op {  // sqrt(a^2 + b^2) without overflow; gradient (a, b) / v, and 0 at the origin
  static constexpr std::string_view name = "hypot", torch = "torch.hypot";
  static constexpr op_domain domain{{-3, 3}};
  template <class A, class B>
  static auto value(const A& a, const B& b) {
    using std::hypot;
    return hypot(a, b);
  }
  // a / v, exactly +-1 where |a| = v (b negligible or 0, or a infinite and b finite: not
  // inf/inf); both infinite is NaN (the limit depends on the direction)
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& a, const B& b, const V& v, const G& g) {
    using std::abs;
    const auto r = select(v > V(0), v, V(1));
    const auto partial = [&](const auto& p, const auto& q) {
      using T = decltype(p / r);
      return select(v > V(0) && abs(p) == v && abs(q) != v, select(p < 0, T(-1), T(1)), p / r);
    };
    if constexpr (I == 0)
      return g * partial(a, b);
    else
      return g * partial(b, a);
  }
};

/// Every differentiable elementwise op: the table the tests iterate (tests/unit/test_op_table.cpp)
/// and the oracle's generator lists (tests/oracle/op_table.cpp).
using elementwise_ops =
    tlist<add_op, sub_op, mul_op, div_op, neg_op, exp_op, log_op, sqrt_op, sin_op, cos_op, tan_op,
          tanh_op, sigmoid_op, relu_op, abs_op, square_op, log1p_op, expm1_op, erf_op, pow_op,
          max_op, min_op, atan2_op, asinh_op, acosh_op, atanh_op, softplus_op, log_sigmoid_op,
          hypot_op>;

/// Does an op of the table take two operands (has its VJP an operand 1)?
template <class Op>
inline constexpr bool is_binary_op = requires {
  Op::template vjp<1>(0.0, 0.0, 0.0, 0.0);
};
/// f(Op{}) for each op of the table, in order.
template <class F>
constexpr void for_each_elementwise_op(F&& f) {
  [&]<class... Op>(tlist<Op...>) { (f(Op{}), ...); }(elementwise_ops{});
}

}  // namespace detail

#define TT_UNARY_FUNCTION(fn, op) \
  template <class A>              \
    requires expression<A>        \
  constexpr auto fn(A&& a) { return detail::make<detail::op>(std::forward<A>(a)); }
#define TT_BINARY_FUNCTION(fn, op)                                           \
  template <class L, class R>                                                \
    requires detail::binary_operands<L, R>                                   \
  constexpr auto fn(L&& l, R&& r) {                                          \
    static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);                   \
    return detail::make<detail::op>(std::forward<L>(l), std::forward<R>(r)); \
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
TT_UNARY_FUNCTION(asinh, asinh_op)
TT_UNARY_FUNCTION(acosh, acosh_op)
TT_UNARY_FUNCTION(atanh, atanh_op)
TT_UNARY_FUNCTION(softplus, softplus_op)
TT_UNARY_FUNCTION(log_sigmoid, log_sigmoid_op)
TT_BINARY_FUNCTION(hypot, hypot_op)
#undef TT_UNARY_FUNCTION
#undef TT_BINARY_FUNCTION

}  // namespace tt
