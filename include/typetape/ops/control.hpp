// Comparisons and where(), and the detaching nodes: stop_gradient, cast, .value()
// (core/closure.hpp), round/floor/ceil/trunc/sign. A detaching node
// passes its value on and no gradient back; a source reached *only* through
// detaching nodes is TT-E02 (its kind is named in the message).
#pragma once

#include <cmath>

#include "elementwise.hpp"

namespace tt {
namespace detail {

// The comparisons (not <functional>'s, which costs every user ~0.5 s to parse).
struct less {
  template <class A, class B>
  constexpr auto operator()(const A& a, const B& b) const {
    return a < b;
  }
};
struct less_equal {
  template <class A, class B>
  constexpr auto operator()(const A& a, const B& b) const {
    return a <= b;
  }
};
struct greater {
  template <class A, class B>
  constexpr auto operator()(const A& a, const B& b) const {
    return a > b;
  }
};
struct greater_equal {
  template <class A, class B>
  constexpr auto operator()(const A& a, const B& b) const {
    return a >= b;
  }
};

template <class Fn>
struct compare_op {
  using comparison = void;
  static constexpr std::string_view name = "comparison";
  static constexpr unsigned cut(std::size_t) { return reach::compare; }
  template <class A, class B>
  static constexpr auto value(const A& a, const B& b) {
    return Fn{}(a, b);  // bool, or a mask on a SIMD back end
  }
};

struct where_op {
  static constexpr std::string_view name = "where";
  static constexpr unsigned cut(std::size_t i) { return i == 0 ? reach::compare : 0u; }
  template <class C, class A, class B>
  static constexpr auto value(const C& c, const A& a, const B& b) {
    return select(c, a, b);
  }
  template <std::size_t I, class C, class A, class B, class V, class G>
  static constexpr G vjp(const C& c, const A&, const B&, const V&, const G& g) {
    if constexpr (I == 1)
      return select(c, g, G(0));
    else
      return select(c, G(0), g);
  }
};

struct stop_gradient_op {
  static constexpr unsigned cut(std::size_t) { return reach::stop; }
  template <class A>
  static constexpr A value(const A& a) {
    return a;
  }
};

template <class To>
struct cast_op {
  static constexpr unsigned cut(std::size_t) {
    return std::is_floating_point_v<To> ? 0u : reach::int_cast;
  }
  template <class A>
  static constexpr auto value(const A& a) {
    if constexpr (std::is_arithmetic_v<A>)
      return static_cast<To>(a);
    else
      return a;  // a SIMD batch: fused regions use batches only when the cast keeps the type
  }
  template <std::size_t, class A, class V, class G>
  static constexpr G vjp(const A&, const V&, const G& g) {
    return g;
  }
};

// Piecewise-constant ops: derivative zero almost everywhere, so they detach.
struct round_op {  // half to even, as tf.round and NumPy (std::round goes away from zero)
  static constexpr unsigned cut(std::size_t) { return reach::piecewise; }
  template <class A>
  static A value(const A& a) {
    using std::nearbyint;
    return nearbyint(a);  // the default rounding mode: to nearest, ties to even
  }
};
struct floor_op {
  static constexpr unsigned cut(std::size_t) { return reach::piecewise; }
  template <class A>
  static A value(const A& a) {
    using std::floor;
    return floor(a);
  }
};
struct ceil_op {
  static constexpr unsigned cut(std::size_t) { return reach::piecewise; }
  template <class A>
  static A value(const A& a) {
    using std::ceil;
    return ceil(a);
  }
};
struct trunc_op {
  static constexpr unsigned cut(std::size_t) { return reach::piecewise; }
  template <class A>
  static A value(const A& a) {
    using std::trunc;
    return trunc(a);
  }
};
struct sign_op {
  static constexpr unsigned cut(std::size_t) { return reach::piecewise; }
  template <class A>
  static A value(const A& a) {
    return sign(a);
  }
};

}  // namespace detail

// Comparisons build recorded comparisons (bool-valued nodes) for where(); using
// one as a C++ condition is TT-E06.
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator<(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  return detail::make<detail::compare_op<detail::less>>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator<=(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  return detail::make<detail::compare_op<detail::less_equal>>(std::forward<L>(l),
                                                              std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator>(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  return detail::make<detail::compare_op<detail::greater>>(std::forward<L>(l), std::forward<R>(r));
}
template <class L, class R>
  requires detail::binary_operands<L, R>
constexpr auto operator>=(L&& l, R&& r) {
  static_assert(detail::shapes_fit<L, R>, TT_E12_FIXED);
  return detail::make<detail::compare_op<detail::greater_equal>>(std::forward<L>(l),
                                                                 std::forward<R>(r));
}

/// cond ? a : b, recorded: the gradient flows into the branch that was taken.
template <class C, class A, class B>
  requires expression<C> && operand<A> && operand<B> &&
      std::same_as < detail::elem_t<typename std::remove_cvref_t<C>::value_type>,
bool > constexpr auto where(C&& c, A&& a, B&& b) {
  return detail::make<detail::where_op>(std::forward<C>(c), std::forward<A>(a), std::forward<B>(b));
}

#define TT_DETACHING_FUNCTION(fn, op) \
  template <class A>                  \
    requires expression<A>            \
  constexpr auto fn(A&& a) { return detail::make<detail::op>(std::forward<A>(a)); }
TT_DETACHING_FUNCTION(stop_gradient, stop_gradient_op)
TT_DETACHING_FUNCTION(round, round_op)
TT_DETACHING_FUNCTION(floor, floor_op)
TT_DETACHING_FUNCTION(ceil, ceil_op)
TT_DETACHING_FUNCTION(trunc, trunc_op)
TT_DETACHING_FUNCTION(sign, sign_op)
#undef TT_DETACHING_FUNCTION

/// cast<float>/cast<double> are differentiable; casts to integral or bool types detach.
template <class To, class E>
  requires expression<E> && std::is_arithmetic_v<To>
constexpr auto cast(E&& e) { return detail::make<detail::cast_op<To>>(std::forward<E>(e)); }

}  // namespace tt
