// Custom gradients (TensorFlow's tf.custom_gradient, JAX's custom_vjp): the user gives
// an op's forward function and its vector-Jacobian product, as captureless lambdas.
//
//   auto clipped = tt::custom_vjp([](double a) { return a; },                        // forward
//                                 [](double, double, double g) { return std::clamp(g, -1.0, 1.0);
//                                 }, x);                                                 //
//                                 operands
//   auto y = tt::custom_vjp([](double a, double b) { return a * b; },
//                           [](double a, double b, double /*v*/, double g) { return std::tuple(g *
//                           b, g * a); }, x, y);
//
// vjp(operands..., value, g) returns the adjoint of each operand (a std::tuple, or the
// one adjoint for one operand), each shaped like its operand. The lambdas see whole
// values (numbers, or xtensor containers): the op is never fused elementwise.
#pragma once

#include "arithmetic.hpp"

namespace tt {
namespace detail {

template <class F, class B>
struct custom_op {
  using structural = void;  // applied to whole values, not per element
  static constexpr std::string_view name = "custom_vjp";
  template <class... A>
  static auto value(const A&... a) {
    using R = std::remove_cvref_t<decltype(F{}(a...))>;
    static_assert(std::is_arithmetic_v<R> || is_dense_tensor<R>, TT_E15_CUSTOM_RESULT);
    return R(F{}(a...));
  }
  template <std::size_t I, class... A>
  static auto vjp(const A&... args) {  // operands..., the op's value, the adjoint
    const auto all = std::forward_as_tuple(args...);
    auto r = std::apply([](const auto&... x) { return B{}(x...); }, all);
    using operand = std::remove_cvref_t<std::tuple_element_t<I, std::tuple<A...>>>;
    auto pick = [&]() -> operand {
      if constexpr (sizeof...(A) == 3 && !requires { std::tuple_size<decltype(r)>::value; })
        return operand(std::move(r));
      else
        return operand(std::get<I>(std::move(r)));
    };
    operand adj = pick();
    if constexpr (tensor_like<operand>)
      check_same_shape("custom_vjp: the adjoint of an operand", std::get<I>(all), adj);
    return adj;
  }
};

}  // namespace detail

/// An op given by its forward function and its VJP (both captureless lambdas: their
/// types are the op), applied to operands (expressions, numbers, tensors).
template <class F, class B, class... A>
  requires(sizeof...(A) > 0 && (operand<A> && ...) && (expression<A> || ...))
constexpr auto custom_vjp(F, B, A&&... a) {
  static_assert(std::is_default_constructible_v<F> && std::is_default_constructible_v<B>,
                TT_E15_CUSTOM_CAPTURE);
  return detail::make<detail::custom_op<F, B>>(std::forward<A>(a)...);
}

}  // namespace tt
