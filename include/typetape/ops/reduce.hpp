// Reductions over all elements or along one axis (a compile-time argument, NumPy's
// convention: 0 is the first axis, -1 the last): sum, mean, max, min, prod,
// log_sum_exp. Reducing a rank-1 tensor along its axis, or any tensor over all
// axes, gives a scalar. Needs <typetape/tensor.hpp>.
#pragma once

#include <array>
#include <cmath>
#include <limits>

#include "../eval/tensor.hpp"
#include "control.hpp"

namespace tt {

/// The axis argument meaning "every axis" (the default).
inline constexpr int all_axes = std::numeric_limits<int>::min();

namespace detail {

/// Is Axis valid for rank R (all_axes always is)?
template <int Axis, std::size_t R>
inline constexpr bool axis_fits = Axis == all_axes ||
                                  (Axis >= -static_cast<int>(R) && Axis < static_cast<int>(R));
template <int Axis, std::size_t R>
inline constexpr std::size_t axis_index = static_cast<std::size_t>(Axis < 0
                                                                       ? Axis + static_cast<int>(R)
                                                                       : Axis);

/// A tensor seen as lines along one axis: element m of line (o, k) is at
/// o*n*inner + m*inner + k, and the line's reduced value at o*inner + k.
struct lines {
  std::size_t outer = 1, n = 1, inner = 1;
  template <class F>
  void each(F&& f) const {
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t k = 0; k < inner; ++k) f(o * n * inner + k, inner, o * inner + k);
  }
};
template <int Axis, class T>
lines lines_of(const T& a) {
  const auto& s = a.shape();
  lines l;
  if constexpr (Axis == all_axes) {
    l.n = a.size();
  } else {
    constexpr std::size_t ax = axis_index<Axis, rank_v<T>>;
    for (std::size_t i = 0; i < ax; ++i) l.outer *= s[i];
    l.n = s[ax];
    for (std::size_t i = ax + 1; i < s.size(); ++i) l.inner *= s[i];
  }
  return l;
}

/// What reducing T along Axis gives: a scalar for all axes or rank 1, else a tensor, of fixed
/// shape if T's is (the axis dropped), so that later shape checks stay at compile time.
template <class T, int Axis>
struct reduced {
  using type = std::conditional_t<Axis == all_axes || rank_v<T> == 1, elem_t<T>,
                                  xt::xtensor<elem_t<T>, (rank_v<T> > 1 ? rank_v<T> - 1 : 1)>>;
};
template <class T, int Axis>
  requires(static_shape<T>::known&& Axis != all_axes && rank_v<T> > 1)
struct reduced<T, Axis> {
  static constexpr std::size_t ax = axis_index<Axis, rank_v<T>>;
  template <std::size_t... I>
  static auto pick(std::index_sequence<I...>)
      -> xt::xtensor_fixed<elem_t<T>, xt::xshape<static_shape<T>::dims[I < ax ? I : I + 1]...>>;
  using type = decltype(pick(std::make_index_sequence<rank_v<T> - 1>{}));
};
template <class T, int Axis>
using reduced_t = typename reduced<T, Axis>::type;

template <int Axis, class T>
reduced_t<T, Axis> make_reduced(const T& a) {
  reduced_t<T, Axis> r{};
  if constexpr (tensor_like<reduced_t<T, Axis>> && !static_shape<reduced_t<T, Axis>>::known) {
    constexpr std::size_t ax = axis_index<Axis, rank_v<T>>;
    std::array<std::size_t, rank_v<T> - 1> s{};
    for (std::size_t i = 0, j = 0; i < rank_v<T>; ++i)
      if (i != ax) s[j++] = a.shape()[i];
    r.resize(s);
  }
  return r;
}
template <class R>
TT_INLINE auto* out_data(R& r) {
  if constexpr (tensor_like<R>)
    return r.data();
  else
    return &r;
}
template <class R>
TT_INLINE const auto* out_data(const R& r) {
  if constexpr (tensor_like<R>)
    return r.data();
  else
    return &r;
}
/// A tensor of a's type and shape (contents unspecified).
template <class A>
A same_shape(const A& a) {
  A r{};
  resize_to(r, shape_of(a), "adjoint");
  return r;
}

/// The common frame of the reductions: value() reduces each line with Line::value,
/// vjp() spreads each line's adjoint with Line::vjp.
template <class Line, int Axis>
struct reduce_op {
  using structural = void;
  static constexpr std::string_view name = Line::name;
  /// sum and mean over every element of a fused region never store its elements
  /// (core/node.hpp, node::sums_region).
  static constexpr bool sums_region = Axis == all_axes && requires { Line::mean; };
  /// Does vjp read the reduction's value? Only max and min do; the others recompute what they
  /// need from the operand, so tt::gradient need not compute a scalar reduction's value
  /// that nothing else reads (log_sum_exp as the target: two passes fewer).
  static constexpr bool vjp_reads_value = requires { Line::reads_value; };
  template <class T>
  static T finish_sum(T s, std::size_t n) {
    return Line::mean ? s / static_cast<T>(n) : s;
  }
  template <class G, class R, class K>
  static G sum_adjoint(G g, const R& r, const K& k) {
    if constexpr (!Line::mean)
      return (void)r, (void)k, g;
    else
      return g / static_cast<G>(product(region<K, 0, false>::shape(k, r.f)));
  }
  template <class A>
  static auto value(const A& a) {
    static_assert(!std::is_same_v<elem_t<A>, bool>, TT_E15_BOOL_SUM);
    if constexpr (!tensor_like<A>) {
      return Line::scalar(a);
    } else {
      auto r = make_reduced<Axis>(a);
      auto* out = out_data(r);
      const auto* p = a.data();
      const auto l = lines_of<Axis>(a);
      l.each([&](std::size_t b, std::size_t st, std::size_t o) {
        out[o] = Line::value(p + b, st, l.n);
      });
      return r;
    }
  }
  template <std::size_t, class A, class V, class G>
  static A vjp(const A& a, const V& v, const G& g) {
    if constexpr (!tensor_like<A>) {
      return g;
    } else {
      A r = same_shape(a);
      const auto l = lines_of<Axis>(a);
      const auto* gp = out_data(g);
      const auto* vp = out_data(v);
      l.each([&](std::size_t b, std::size_t st, std::size_t o) {
        Line::vjp(a.data() + b, r.data() + b, st, l.n, vp[o], gp[o]);
      });
      return r;
    }
  }
};

struct sum_line {
  static constexpr std::string_view name = "sum";
  static constexpr bool mean = false;
  template <class T>
  static T scalar(const T& a) {
    return a;
  }
  template <class T>
  static T value(const T* p, std::size_t st, std::size_t n) {
    T s = 0;
    for (std::size_t m = 0; m < n; ++m) s += p[m * st];
    return s;
  }
  template <class T>
  static void vjp(const T*, T* r, std::size_t st, std::size_t n, T, T g) {
    for (std::size_t m = 0; m < n; ++m) r[m * st] = g;
  }
};
struct mean_line {
  static constexpr std::string_view name = "mean";
  static constexpr bool mean = true;
  template <class T>
  static T scalar(const T& a) {
    return a;
  }
  template <class T>
  static T value(const T* p, std::size_t st, std::size_t n) {
    return sum_line::value(p, st, n) / static_cast<T>(n);
  }
  template <class T>
  static void vjp(const T*, T* r, std::size_t st, std::size_t n, T, T g) {
    for (std::size_t m = 0; m < n; ++m) r[m * st] = g / static_cast<T>(n);
  }
};
/// max/min: a NaN in the line gives NaN; the adjoint is split evenly between tied
/// extrema (as TensorFlow's reduce_max/reduce_min).
template <bool Max>
struct extremum_line {
  static constexpr std::string_view name = Max ? "max" : "min";
  static constexpr bool reads_value = true;  // vjp: which elements equal the result
  template <class T>
  static T scalar(const T& a) {
    return a;
  }
  template <class T>
  static T value(const T* p, std::size_t st, std::size_t n) {
    if (n == 0)
      throw shape_error(Max ? "max: reducing an empty axis" : "min: reducing an empty axis");
    T v = p[0];
    for (std::size_t m = 1; m < n; ++m) {
      const T x = p[m * st];
      if (x != x || (Max ? x > v : x < v)) v = x;
      if (v != v) break;
    }
    return v;
  }
  template <class T>
  static void vjp(const T* a, T* r, std::size_t st, std::size_t n, T v, T g) {
    // the elements equal to the result share g; a NaN result came from the NaNs
    const auto hit = [&](T x) { return v != v ? x != x : x == v; };
    std::size_t ties = 0;
    for (std::size_t m = 0; m < n; ++m) ties += hit(a[m * st]);
    for (std::size_t m = 0; m < n; ++m)
      r[m * st] = hit(a[m * st]) ? g / static_cast<T>(ties) : T(0);
  }
};
/// prod: the adjoint of each factor is the product of the others (exact with zeros).
struct prod_line {
  static constexpr std::string_view name = "prod";
  template <class T>
  static T scalar(const T& a) {
    return a;
  }
  template <class T>
  static T value(const T* p, std::size_t st, std::size_t n) {
    T s = 1;
    for (std::size_t m = 0; m < n; ++m) s *= p[m * st];
    return s;
  }
  template <class T>
  static void vjp(const T* a, T* r, std::size_t st, std::size_t n, T, T g) {
    T left = 1;
    for (std::size_t m = 0; m < n; ++m) {
      r[m * st] = left;
      left *= a[m * st];
    }
    T right = g;
    for (std::size_t m = n; m-- > 0;) {
      r[m * st] *= right;
      right *= a[m * st];
    }
  }
};
/// Unit-stride lines of float/double run on xsimd batches of the machine's width.
template <class T>
inline constexpr bool simd_line = std::is_same_v<T, double> || std::is_same_v<T, float>;

/// The largest of p[0], p[st], ... (n of them), -inf if none; NaNs are skipped, as by
/// `p > m ? p : m`. A unit-stride line of float/double runs on batches first.
template <class T>
T line_max(const T* p, std::size_t st, std::size_t n) {
  T m = -std::numeric_limits<T>::infinity();
  std::size_t k = 0;
  if constexpr (simd_line<T>) {
    using B = xsimd::batch<T>;
    if (st == 1 && n >= B::size) {
      B mb(m);
      for (; k + B::size <= n; k += B::size) {
        const B v = B::load_unaligned(p + k);
        mb = xsimd::select(v > mb, v, mb);
      }
      std::array<T, B::size> lanes;
      mb.store_unaligned(lanes.data());
      for (const T v : lanes) m = v > m ? v : m;
    }
  }
  for (; k < n; ++k) m = p[k * st] > m ? p[k * st] : m;
  return m;
}
/// The sum of exp(p[k st] - m) over k < n; each term is also stored in out[k st] if out
/// is given. A unit-stride line of float/double runs on batches first.
template <class T>
T line_exp_sum(const T* p, T* out, std::size_t st, std::size_t n, T m) {
  std::size_t k = 0;
  T s = 0;
  if constexpr (simd_line<T>) {
    using B = xsimd::batch<T>;
    if (st == 1 && n >= B::size) {
      B sb(T(0));
      const B mb(m);
      for (; k + B::size <= n; k += B::size) {
        const B e = xsimd::exp(B::load_unaligned(p + k) - mb);
        if (out) e.store_unaligned(out + k);
        sb += e;
      }
      s = xsimd::hadd(sb);
    }
  }
  for (; k < n; ++k) {
    const T e = std::exp(p[k * st] - m);
    if (out) out[k * st] = e;
    s += e;
  }
  return s;
}

/// log(sum(exp(x))), shifted by the line's maximum so that it neither overflows nor
/// underflows; the adjoint is g * softmax.
struct log_sum_exp_line {
  static constexpr std::string_view name = "log_sum_exp";
  template <class T>
  static T scalar(const T& a) {
    return a;
  }
  template <class T>
  static T shift(const T* p, std::size_t st, std::size_t n) {
    const T m = line_max(p, st, n);
    return std::isfinite(m) ? m : T(0);
  }
  template <class T>
  static T value(const T* p, std::size_t st, std::size_t n) {
    const T m = shift(p, st, n);
    return m + std::log(line_exp_sum<T>(p, nullptr, st, n, m));
  }
  template <class T>
  static void vjp(const T* a, T* r, std::size_t st, std::size_t n, T, T g) {
    // softmax from the shifted exponentials: exp(a - v) would lose the digits of a
    // large shift (v = 1000.69...)
    const T m = shift(a, st, n);
    const T f = g / line_exp_sum(a, r, st, n, m);
    for (std::size_t k = 0; k < n; ++k) r[k * st] *= f;
  }
};

/// Does the axis fit the operand's rank (TT-E13 otherwise)? The public reductions assert it in
/// their own body, one instantiation note nearer the user's line than a shared helper's.
template <class A>
using reduced_operand_t = typename std::remove_cvref_t<A>::value_type;
template <int Axis, class A>
inline constexpr bool reduction_fits = axis_fits<Axis, rank_v<reduced_operand_t<A>>> &&
                                       (Axis == all_axes || rank_v<reduced_operand_t<A>> > 0);

/// Builds a reduction (a stand-in where the axis does not fit: the caller reported it).
template <class Op, int Axis, class A>
constexpr auto reduction(A&& a) {
  if constexpr (!reduction_fits<Axis, A>)
    return rejected(std::forward<A>(a));
  else
    return make<Op>(std::forward<A>(a));
}
template <int Axis>
using sum_op = reduce_op<sum_line, Axis>;
template <int Axis>
using mean_op = reduce_op<mean_line, Axis>;
template <int Axis>
using max_reduce_op = reduce_op<extremum_line<true>, Axis>;
template <int Axis>
using min_reduce_op = reduce_op<extremum_line<false>, Axis>;
template <int Axis>
using prod_op = reduce_op<prod_line, Axis>;
template <int Axis>
using log_sum_exp_op = reduce_op<log_sum_exp_line, Axis>;

}  // namespace detail

/// sum(x) over every element (a scalar), or sum<axis>(x).
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto sum(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::sum_op<Axis>, Axis>(std::forward<A>(a));
}
/// mean(x) over every element, or mean<axis>(x).
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto mean(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::mean_op<Axis>, Axis>(std::forward<A>(a));
}
/// The largest element (or along an axis); tied maxima share the gradient.
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto reduce_max(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::max_reduce_op<Axis>, Axis>(std::forward<A>(a));
}
/// The smallest element (or along an axis); tied minima share the gradient.
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto reduce_min(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::min_reduce_op<Axis>, Axis>(std::forward<A>(a));
}
/// The product of the elements (or along an axis).
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto prod(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::prod_op<Axis>, Axis>(std::forward<A>(a));
}
/// log(sum(exp(x))), computed without overflow (or along an axis).
template <int Axis = all_axes, class A>
  requires expression<A>
constexpr auto log_sum_exp(A&& a) {
  static_assert(
      diag::axis_and_rank_fit_the_op<detail::reduced_operand_t<A>, detail::reduction_fits<Axis, A>>,
      TT_E13_AXIS);
  return detail::reduction<detail::log_sum_exp_op<Axis>, Axis>(std::forward<A>(a));
}

}  // namespace tt
