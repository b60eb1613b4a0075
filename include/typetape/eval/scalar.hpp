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

/// Does the first operand of max (min) win: a >= b (a <= b), ties included, or a is
/// NaN? With `b` winning otherwise, a NaN on either side propagates (as TensorFlow
/// since 2.4 and PyTorch's maximum), never silently dropped.
template <class A, class B>
constexpr bool max_takes_first(const A& a, const B& b) {
  return a >= b || a != a;
}
template <class A, class B>
constexpr bool min_takes_first(const A& a, const B& b) {
  return a <= b || a != a;
}

/// The sign as TensorFlow defines it: -1, 0 or 1 (0 at 0, so |x|' = 0 there).
template <class T>
constexpr T sign(const T& a) {
  return static_cast<T>((T(0) < a) - (a < T(0)));
}

}  // namespace tt::detail
