// softmax and log_softmax along an axis, cross-entropy from logits, mean squared
// error. Needs <typetape/tensor.hpp>.
#pragma once

#include "../detail/kept_buffer.hpp"
#include "shape.hpp"

namespace tt::detail {

/// softmax along Axis: exp(x - log_sum_exp(x)); the adjoint is v * (g - sum(g * v)).
template <int Axis, bool Log>
struct softmax_op {
  using structural = void;
  static constexpr std::string_view name = Log ? "log_softmax" : "softmax";
  template <class A>
  static A value(const A& a) {
    A r = same_shape(a);
    const auto l = lines_of<Axis>(a);
    l.each([&](std::size_t b, std::size_t st, std::size_t) {
      // from the shifted exponentials, so that a large shift costs no digits
      const auto shift = log_sum_exp_line::shift(a.data() + b, st, l.n);
      elem_t<A> s = 0;
      for (std::size_t m = 0; m < l.n; ++m) s += std::exp(a.data()[b + m * st] - shift);
      const auto log_s = std::log(s);
      for (std::size_t m = 0; m < l.n; ++m) {
        const auto z = a.data()[b + m * st] - shift;
        r.data()[b + m * st] = Log ? z - log_s : std::exp(z) / s;
      }
    });
    return r;
  }
  template <std::size_t, class A, class V, class G>
  static A vjp(const A& a, const V& v, const G& g) {
    A r = same_shape(a);
    const auto l = lines_of<Axis>(a);
    l.each([&](std::size_t b, std::size_t st, std::size_t) {
      elem_t<A> s = 0;
      for (std::size_t m = 0; m < l.n; ++m)
        s += Log ? g.data()[b + m * st] : g.data()[b + m * st] * v.data()[b + m * st];
      for (std::size_t m = 0; m < l.n; ++m) {
        const std::size_t i = b + m * st;
        r.data()[i] =
            Log ? g.data()[i] - std::exp(v.data()[i]) * s : v.data()[i] * (g.data()[i] - s);
      }
    });
    return r;
  }
};

/// Cross-entropy of class probabilities `labels` (one-hot or soft) against `logits`,
/// classes along the last axis, averaged over the other axes (PyTorch's
/// cross_entropy with probability targets and mean reduction).
struct cross_entropy_op {
  using structural = void;
  static constexpr std::string_view name = "cross_entropy";
  /// v over the number of lines of z (classes on the last axis, n of them): the mean the
  /// value takes and its adjoint is scaled by.
  template <class A, class T>
  static T per_line(T v, const A& z, std::size_t n) {
    return n == 0 ? v : v / static_cast<elem_t<A>>(z.size() / n);
  }
  template <class A, class B>
  static elem_t<A> value(const A& z, const B& y) {
    check_same_shape(name.data(), z, y);
    const auto l = lines_of<-1>(z);
    elem_t<A> total = 0;
    l.each([&](std::size_t b, std::size_t st, std::size_t) {
      const auto lse = log_sum_exp_line::value(z.data() + b, st, l.n);
      for (std::size_t m = 0; m < l.n; ++m)
        total -= y.data()[b + m * st] * (z.data()[b + m * st] - lse);
    });
    return per_line(total, z, l.n);
  }
  /// A recorded cross-entropy keeps softmax(z) for the logits' VJP: one exponential per logit
  /// for the value and the gradient together, as a hand-written step computes them.
  template <class A, class B>
    requires std::is_floating_point_v<elem_t<A>>
  using kept = kept_buffer<elem_t<A>>;
  template <class A, class B>
  static elem_t<A> value_keeping(kept_buffer<elem_t<A>>& p, const A& z, const B& y) {
    check_same_shape(name.data(), z, y);
    const auto l = lines_of<-1>(z);
    elem_t<A>* sm = p.take(z.size());
    elem_t<A> total = 0;
    l.each([&](std::size_t b, std::size_t st, std::size_t) {
      const auto shift = log_sum_exp_line::shift(z.data() + b, st, l.n);
      const auto s = line_exp_sum(z.data() + b, sm + b, st, l.n, shift);
      const auto lse = shift + std::log(s);
      const auto inv = 1 / s;
      for (std::size_t m = 0; m < l.n; ++m) {
        const std::size_t i = b + m * st;
        total -= y.data()[i] * (z.data()[i] - lse);
        sm[i] *= inv;
      }
    });
    return per_line(total, z, l.n);
  }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp_kept(const kept_buffer<elem_t<A>>& p, const A& z, const B& y, const V& v,
                       const G& g) {
    if constexpr (I == 0) {
      if (!p.empty()) {  // w (softmax(z) sum(y) - y), from the kept softmax
        const auto l = lines_of<-1>(z);
        const auto w = per_line(g, z, l.n);
        A r = same_shape(z);
        l.each([&](std::size_t b, std::size_t st, std::size_t) {
          elem_t<A> ysum = 0;
          for (std::size_t m = 0; m < l.n; ++m) ysum += y.data()[b + m * st];
          for (std::size_t m = 0; m < l.n; ++m) {
            const std::size_t i = b + m * st;
            r.data()[i] = w * (p.data()[i] * ysum - y.data()[i]);
          }
        });
        return r;
      }
    }
    return vjp<I>(z, y, v, g);
  }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& z, const B& y, const V&, const G& g) {
    const auto l = lines_of<-1>(z);
    const auto w = per_line(g, z, l.n);
    std::conditional_t<I == 0, A, B> r = [&] {
      if constexpr (I == 0)
        return same_shape(z);
      else
        return same_shape(y);
    }();
    l.each([&](std::size_t b, std::size_t st, std::size_t) {
      if constexpr (I == 0) {
        elem_t<A> ysum = 0;
        for (std::size_t m = 0; m < l.n; ++m) ysum += y.data()[b + m * st];
        // w (softmax(z) ysum - y), the softmax from the shifted exponentials stored in r:
        // one exponential per element (exp(z - lse) after the log-sum-exp took two)
        const auto shift = log_sum_exp_line::shift(z.data() + b, st, l.n);
        const auto f = ysum / line_exp_sum(z.data() + b, r.data() + b, st, l.n, shift);
        for (std::size_t m = 0; m < l.n; ++m) {
          const std::size_t i = b + m * st;
          r.data()[i] = w * (r.data()[i] * f - y.data()[i]);
        }
      } else {
        const auto lse = log_sum_exp_line::value(z.data() + b, st, l.n);
        for (std::size_t m = 0; m < l.n; ++m) {
          const std::size_t i = b + m * st;
          r.data()[i] = -w * (z.data()[i] - lse);
        }
      }
    });
    return r;
  }
};

}  // namespace tt::detail

namespace tt {

/// softmax along an axis (the last by default).
template <int Axis = -1, class A>
  requires expression<A>
constexpr auto softmax(A&& a) {
  using V = detail::value_of_t<A>;
  constexpr bool ok = detail::axis_fits<Axis, detail::rank_v<V>> && detail::rank_v<V> >= 1;
  static_assert(diag::axis_and_rank_fit_the_op<V, ok>, TT_E13_AXIS);
  return detail::make_if<ok, detail::softmax_op<Axis, false>>(std::forward<A>(a));
}
/// log(softmax(x)) along an axis (the last by default), computed stably.
template <int Axis = -1, class A>
  requires expression<A>
constexpr auto log_softmax(A&& a) {
  using V = detail::value_of_t<A>;
  constexpr bool ok = detail::axis_fits<Axis, detail::rank_v<V>> && detail::rank_v<V> >= 1;
  static_assert(diag::axis_and_rank_fit_the_op<V, ok>, TT_E13_AXIS);
  return detail::make_if<ok, detail::softmax_op<Axis, true>>(std::forward<A>(a));
}
/// Mean cross-entropy of class probabilities against logits (classes on the last axis).
template <class Z, class Y>
  requires expression<Z> && operand<Y>
constexpr auto cross_entropy(Z&& logits, Y&& labels) {
  using V = detail::value_of_t<Z>;
  constexpr bool ok = detail::rank_v<V> >= 1;
  static_assert(diag::axis_and_rank_fit_the_op<V, ok>, TT_E13_RANK);
  return detail::make_if<ok, detail::cross_entropy_op>(std::forward<Z>(logits),
                                                       std::forward<Y>(labels));
}
/// Mean squared error: mean(square(prediction - target)), one fused pass.
template <class P, class T>
  requires detail::binary_operands<P, T>
constexpr auto mse(P&& prediction, T&& target) {
  return tt::mean(tt::square(std::forward<P>(prediction) - std::forward<T>(target)));
}

}  // namespace tt
