// Dual numbers: a value and a tangent, for forward mode. Every op's rules are written
// once over a generic value type, so an expression evaluated on duals gives its
// directional derivative (jvp), and a reverse pass run on duals gives a
// Hessian-vector product (forward over reverse: the adjoints' tangents).
// The math functions are hidden friends, found by the ops' unqualified calls.
#pragma once

#include <cmath>
#include <numbers>
#include <type_traits>

namespace tt {

template <class T>
struct dual {
  static_assert(std::is_floating_point_v<T>, "typetape: tt::dual<T> needs a floating-point T");
  using value_type = T;
  T v{};  // the value
  T d{};  // the tangent: the derivative along the seeded direction

  constexpr dual() = default;
  constexpr dual(T value, T tangent = T(0)) : v(value), d(tangent) {}  // NOLINT: a number is a constant dual
  template <class U>
    requires std::is_arithmetic_v<U> && (!std::is_same_v<U, T>)
  constexpr dual(U value) : v(static_cast<T>(value)) {}  // NOLINT: as above
  /// cast<int>() and the like: the value (a detaching cast has no tangent).
  template <class U>
    requires std::is_arithmetic_v<U>
  explicit constexpr operator U() const {
    return static_cast<U>(v);
  }

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
  friend constexpr dual operator-(const dual& a) { return {-a.v, -a.d}; }
  friend constexpr dual operator+(const dual& a, const dual& b) { return {a.v + b.v, a.d + b.d}; }
  friend constexpr dual operator-(const dual& a, const dual& b) { return {a.v - b.v, a.d - b.d}; }
  friend constexpr dual operator*(const dual& a, const dual& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
  friend constexpr dual operator/(const dual& a, const dual& b) {
    const T q = a.v / b.v;
    return {q, (a.d - q * b.d) / b.v};
  }
  // comparisons look at values (a branch taken is a branch, in forward mode too)
  friend constexpr bool operator==(const dual& a, const dual& b) { return a.v == b.v; }
  friend constexpr bool operator!=(const dual& a, const dual& b) { return a.v != b.v; }
  friend constexpr bool operator<(const dual& a, const dual& b) { return a.v < b.v; }
  friend constexpr bool operator<=(const dual& a, const dual& b) { return a.v <= b.v; }
  friend constexpr bool operator>(const dual& a, const dual& b) { return a.v > b.v; }
  friend constexpr bool operator>=(const dual& a, const dual& b) { return a.v >= b.v; }

  /// f(a) with f(a.v) = fv and f'(a.v) = df.
  static constexpr dual chain(const dual& a, T fv, T df) { return {fv, df * a.d}; }
  friend dual exp(const dual& a) {
    const T e = std::exp(a.v);
    return chain(a, e, e);
  }
  friend dual log(const dual& a) { return chain(a, std::log(a.v), T(1) / a.v); }
  friend dual sqrt(const dual& a) {
    const T s = std::sqrt(a.v);
    return chain(a, s, T(1) / (s + s));
  }
  friend dual sin(const dual& a) { return chain(a, std::sin(a.v), std::cos(a.v)); }
  friend dual cos(const dual& a) { return chain(a, std::cos(a.v), -std::sin(a.v)); }
  friend dual tan(const dual& a) {
    const T t = std::tan(a.v);
    return chain(a, t, T(1) + t * t);
  }
  friend dual tanh(const dual& a) {
    const T t = std::tanh(a.v);
    return chain(a, t, T(1) - t * t);
  }
  friend dual abs(const dual& a) {  // |x|' = sign(x), 0 at 0 (TensorFlow's)
    return chain(a, std::abs(a.v), T((T(0) < a.v) - (a.v < T(0))));
  }
  friend dual log1p(const dual& a) { return chain(a, std::log1p(a.v), T(1) / (T(1) + a.v)); }
  friend dual expm1(const dual& a) { return chain(a, std::expm1(a.v), std::exp(a.v)); }
  friend dual erf(const dual& a) {
    return chain(a, std::erf(a.v), T(2 * std::numbers::inv_sqrtpi) * std::exp(-a.v * a.v));
  }
  friend dual pow(const dual& a, const dual& b) {
    const T p = std::pow(a.v, b.v);
    // d(a^b) = b a^(b-1) da + a^b log(a) db; the second term only where it is defined
    const T da = b.v * std::pow(a.v, b.v - T(1));
    const T db = a.v > T(0) ? p * std::log(a.v) : T(0);
    return {p, da * a.d + (b.d != T(0) ? db * b.d : T(0))};
  }
  friend dual atan2(const dual& y, const dual& x) {
    const T r2 = x.v * x.v + y.v * y.v;
    return {std::atan2(y.v, x.v), (x.v * y.d - y.v * x.d) / r2};
  }
  friend dual round(const dual& a) { return {std::round(a.v), T(0)}; }
  friend dual floor(const dual& a) { return {std::floor(a.v), T(0)}; }
  friend dual ceil(const dual& a) { return {std::ceil(a.v), T(0)}; }
  friend dual trunc(const dual& a) { return {std::trunc(a.v), T(0)}; }
};

namespace detail {
template <class T>
inline constexpr bool is_dual = false;
template <class T>
inline constexpr bool is_dual<dual<T>> = true;

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
