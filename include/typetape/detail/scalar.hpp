// The scalar value back end: the few primitives the op rules need beyond
// arithmetic, written for float/double (and integral/bool for detached values).
// Other back ends (xsimd batches, tensors, duals) overload the same names.
#pragma once

#include <type_traits>

namespace tt::detail {

/// c ? a : b, elementwise for vector back ends.
template <class A, class B>
constexpr auto select(bool c, const A& a, const B& b) -> std::common_type_t<A, B> {
  return c ? a : b;
}
template <class C, class V>
constexpr V select_batch(const C& c, const V& a, const V& b) {
  return select(c, a, b);  // the SIMD back end's, by argument-dependent lookup
}
/// A mask of a SIMD back end (xsimd::batch_bool): both sides become batches.
template <class C, class A, class B>
  requires requires { typename C::batch_type; }
constexpr auto select(const C& c, const A& a, const B& b) {
  using V = typename C::batch_type;
  return select_batch(c, V(a), V(b));
}

/// Does the first operand of max (min) win: a >= b (a <= b), ties included, or a is
/// NaN? With `b` winning otherwise, a NaN on either side propagates (as TensorFlow
/// since 2.4 and PyTorch's maximum), never silently dropped.
template <class A, class B>
constexpr auto max_takes_first(const A& a, const B& b) {
  return a >= b || a != a;
}
template <class A, class B>
constexpr auto min_takes_first(const A& a, const B& b) {
  return a <= b || a != a;
}

/// The sign as TensorFlow and NumPy define it: -1, 0 or 1 (0 at 0, so |x|' = 0 there), and
/// NaN at NaN (so |x|' at NaN is NaN: a NaN is not dropped by the backward pass).
template <class T>
  requires std::is_arithmetic_v<T>
constexpr T sign(const T& a) {
  if constexpr (std::is_floating_point_v<T>)
    if (a != a) return a;
  return static_cast<T>((T(0) < a) - (a < T(0)));
}
template <class T>
  requires(!std::is_arithmetic_v<T>)
constexpr T sign(const T& a) {  // a SIMD batch, a dual
  return select(a != a, a, select(a > T(0), T(1), T(0)) - select(a < T(0), T(1), T(0)));
}

}  // namespace tt::detail
