// Shape ops: reshape, transpose, slice (strided ranges), concatenate, stack,
// broadcast_to. Each backward pass puts the adjoint back where the elements came
// from. Bad shapes throw tt::shape_error naming the op and the shapes; nothing is
// read or written out of bounds. Needs <typetape/tensor.hpp>.
#pragma once

#include "../detail/xtensor.hpp"

#include "reduce.hpp"

namespace tt {

/// A strided range of one axis for tt::slice: elements start, start+step, ... < stop.
struct range {
  std::size_t start = 0;
  std::size_t stop = static_cast<std::size_t>(-1);  // the axis' end
  std::size_t step = 1;
  friend constexpr bool operator==(const range&, const range&) = default;
};

namespace detail {

template <std::size_t R>
struct shape_param {
  std::array<std::size_t, R> s;
  friend constexpr bool operator==(const shape_param&, const shape_param&) = default;
};

struct reshape_op {
  using structural = void;
  static constexpr std::string_view name = "reshape";
  template <class A, std::size_t R>
  static xt::xtensor<elem_t<A>, R> value(const A& a, const shape_param<R>& p) {
    const shape_vec to(p.s.begin(), p.s.end());
    if (checked_size(name, to) != a.size()) shape_fail(name, "sizes differ:", shape_of(a), to);
    xt::xtensor<elem_t<A>, R> r(p.s);
    std::copy(a.data(), a.data() + a.size(), r.data());
    return r;
  }
  template <std::size_t, class A, class P, class V, class G>
  static A vjp(const A& a, const P&, const V&, const G& g) {
    A r = same_shape(a);
    std::copy(g.data(), g.data() + g.size(), r.data());
    return r;
  }
};

/// A reshape to a shape known at compile time (`tt::reshape<2, 3>(x)`): a fixed-shape result.
template <std::size_t... D>
struct fixed_reshape_op {
  using structural = void;
  static constexpr std::string_view name = "reshape";
  template <class A>
  static xt::xtensor_fixed<elem_t<A>, xt::xshape<D...>> value(const A& a) {
    if (a.size() != (D * ...)) shape_fail(name, "sizes differ:", shape_of(a), shape_vec{D...});
    xt::xtensor_fixed<elem_t<A>, xt::xshape<D...>> r;
    std::copy(a.data(), a.data() + a.size(), r.data());
    return r;
  }
  template <std::size_t, class A, class V, class G>
  static A vjp(const A& a, const V&, const G& g) {
    A r = same_shape(a);
    std::copy(g.data(), g.data() + g.size(), r.data());
    return r;
  }
};

/// Are the values all different (a permutation's axes)?
template <std::size_t... P>
constexpr bool distinct() {
  constexpr std::size_t v[] = {P..., 0};
  for (std::size_t i = 0; i < sizeof...(P); ++i)
    for (std::size_t j = i + 1; j < sizeof...(P); ++j)
      if (v[i] == v[j]) return false;
  return true;
}

template <std::size_t... P>
struct transpose_op {
  using structural = void;
  static constexpr std::string_view name = "transpose";
  template <class A>
  static constexpr std::array<std::size_t, rank_v<A>> perm() {
    std::array<std::size_t, rank_v<A>> p{};
    if constexpr (sizeof...(P) == 0)
      for (std::size_t i = 0; i < p.size(); ++i) p[i] = p.size() - 1 - i;  // reverse the axes
    else
      p = {P...};
    return p;
  }
  /// A fixed-shape operand gives a fixed-shape result (its axes permuted).
  template <class A, std::size_t... I>
  static auto fixed_type(std::index_sequence<I...>)
      -> xt::xtensor_fixed<elem_t<A>, xt::xshape<static_shape<A>::dims[perm<A>()[I]]...>>;
  template <class A>
  static auto value(const A& a) {
    if constexpr (static_shape<A>::known) {
      using R = decltype(fixed_type<A>(std::make_index_sequence<rank_v<A>>{}));
      return R(xt::transpose(a, perm<A>()));
    } else {
      return xt::xtensor<elem_t<A>, rank_v<A>>(xt::transpose(a, perm<A>()));
    }
  }
  template <std::size_t, class A, class V, class G>
  static A vjp(const A&, const V&, const G& g) {
    constexpr auto p = perm<A>();
    std::array<std::size_t, rank_v<A>> inv{};
    for (std::size_t i = 0; i < p.size(); ++i) inv[p[i]] = i;
    return xt::transpose(g, inv);
  }
};

template <std::size_t R>
struct slice_param {
  std::array<range, R> r;
  friend constexpr bool operator==(const slice_param&, const slice_param&) = default;
};

struct slice_op {
  using structural = void;
  static constexpr std::string_view name = "slice";
  struct plan {
    shape_vec out, start, step, stride;
  };
  /// The ranges made whole and checked against a's shape.
  template <class A, std::size_t R>
  static plan plan_of(const A& a, const slice_param<R>& p) {
    constexpr std::size_t rank = rank_v<A>;
    plan q{shape_vec(rank), shape_vec(rank), shape_vec(rank), shape_vec(rank, 1)};
    for (std::size_t i = 0; i < rank; ++i) {
      const std::size_t dim = a.shape()[i];
      range r = i < R ? p.r[i] : range{};
      if (r.stop == static_cast<std::size_t>(-1)) r.stop = dim;
      if (r.step == 0 || r.start > r.stop || r.stop > dim)
        shape_fail(name, "range out of bounds: (start, stop, step) and shape",
                   {r.start, r.stop, r.step}, shape_of(a));
      // no overflow; no division for the common step 1 (a fused region locates its slices
      // several times per pass, and a 64-bit division costs tens of cycles)
      q.out[i] = r.step == 1         ? r.stop - r.start
                 : r.stop == r.start ? 0
                                     : (r.stop - r.start - 1) / r.step + 1;
      q.start[i] = r.start;
      q.step[i] = r.step;
    }
    for (std::size_t i = rank; i-- > 1;) q.stride[i - 1] = q.stride[i] * a.shape()[i];
    return q;
  }
  /// Visits the slice one run along the last axis at a time:
  /// f(output offset, input offset, run length, input step).
  template <class F>
  static void runs(const plan& q, F&& f) {
    const std::size_t rank = q.out.size(), n = product(q.out);
    if (n == 0) return;
    const std::size_t last = rank - 1, len = q.out[last], rows = n / len;
    shape_vec idx(rank, 0);
    std::size_t j = 0;
    for (std::size_t i = 0; i < rank; ++i) j += q.start[i] * q.stride[i];
    for (std::size_t row = 0; row < rows; ++row) {
      f(row * len, j, len, q.step[last]);
      for (std::size_t k = last; k-- > 0;) {  // odometer over the outer axes
        if (++idx[k] < q.out[k]) {
          j += q.step[k] * q.stride[k];
          break;
        }
        j -= q.step[k] * q.stride[k] * (q.out[k] - 1);
        idx[k] = 0;
      }
    }
  }
  template <class A, std::size_t R>
  static xt::xtensor<elem_t<A>, rank_v<A>> value(const A& a, const slice_param<R>& p) {
    const plan q = plan_of(a, p);
    xt::xtensor<elem_t<A>, rank_v<A>> r{};
    resize_to(r, q.out, name);
    copy_into(a, q, r.data());
    return r;
  }
  /// The slice's elements, in order, into o (the slice's value, or a fused loop's copy of a
  /// slice it cannot read in place: detail::slice_input).
  template <class A, class E>
  static void copy_into(const A& a, const plan& q, E* o) {
    const auto* in = a.data();
    runs(q, [&](std::size_t i, std::size_t j, std::size_t len, std::size_t st) {
      if (st == 1)
        std::copy(in + j, in + j + len, o + i);
      else
        for (std::size_t m = 0; m < len; ++m) o[i + m] = in[j + m * st];
    });
  }
  /// The adjoint added in place into o, a buffer of a's shape (the adjoint of a variable that
  /// the backward pass keeps: node::backward_kid), instead of a zero tensor of a's shape
  /// filled and then added.
  static constexpr bool adds_in_place = true;
  template <class A, class P, class G, class E>
  static void vjp_add(const A& a, const P& p, const G& g, E* o) {
    const auto* gi = g.data();
    runs(plan_of(a, p), [&](std::size_t i, std::size_t j, std::size_t len, std::size_t st) {
      if (st == 1)
        add_elements(o + j, gi + i, len);
      else
        for (std::size_t m = 0; m < len; ++m) o[j + m * st] += gi[i + m];
    });
  }
  template <std::size_t, class A, class P, class V, class G>
  static A vjp(const A& a, const P& p, const V&, const G& g) {
    A r = zeros_like(a);
    const auto* gi = g.data();
    auto* o = r.data();
    runs(plan_of(a, p), [&](std::size_t i, std::size_t j, std::size_t len, std::size_t st) {
      if (st == 1)
        std::copy(gi + i, gi + i + len, o + j);
      else
        for (std::size_t m = 0; m < len; ++m) o[j + m * st] = gi[i + m];
    });
    return r;
  }
};

/// Checks the operands of concatenate/stack: one rank, and equal extents on every
/// axis but `skip` (every axis when skip == rank).
template <class... X>
void check_joinable(std::string_view op, std::size_t skip, const X&... x) {
  const shape_vec shapes[] = {shape_of(x)...};
  for (const auto& s : shapes)
    for (std::size_t i = 0; i < s.size(); ++i)
      if (i != skip && s[i] != shapes[0][i]) shape_fail(op, "shapes do not fit:", shapes[0], s);
}

/// Joining along an axis: operand t is a block of n_t * inner elements in each of
/// `outer` rows; stacking is joining with n_t = 1.
struct join_layout {
  std::size_t outer = 1, inner = 1, total = 0;
  template <class T>
  static join_layout of(const T& t, std::size_t ax, bool stacked) {
    join_layout j;
    for (std::size_t i = 0; i < ax; ++i) j.outer *= t.shape()[i];
    for (std::size_t i = stacked ? ax : ax + 1; i < rank_v<T>; ++i) j.inner *= t.shape()[i];
    return j;
  }
  /// Copies each operand's rows into (Gather = false) or out of (true) the joined data.
  template <bool Gather, class T, class U>
  void move(T* joined, U* part, std::size_t offset, std::size_t n) const {
    for (std::size_t o = 0; o < outer; ++o) {
      T* row = joined + (o * total + offset) * inner;
      if constexpr (Gather)
        std::copy(row, row + n * inner, part + o * n * inner);
      else
        std::copy(part + o * n * inner, part + (o + 1) * n * inner, row);
    }
  }
};

template <int Axis, bool Stack>
struct join_op {
  using structural = void;
  static constexpr std::string_view name = Stack ? "stack" : "concatenate";
  template <class A>
  static constexpr std::size_t ax = axis_index<Axis, rank_v<A> + (Stack ? 1 : 0)>;
  template <class T>
  static std::size_t extent(const T& t) {
    if constexpr (Stack)
      return 1;
    else
      return t.shape()[ax<T>];
  }
  template <class A, class... X>
  static xt::xtensor<elem_t<A>, rank_v<A> + (Stack ? 1 : 0)> value(const A& a, const X&... x) {
    check_joinable(name, Stack ? rank_v<A> : ax<A>, a, x...);
    join_layout j = join_layout::of(a, ax<A>, Stack);
    j.total = (extent(a) + ... + extent(x));
    shape_vec s = shape_of(a);
    if constexpr (Stack)
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(ax<A>), j.total);
    else
      s[ax<A>] = j.total;
    xt::xtensor<elem_t<A>, rank_v<A> + (Stack ? 1 : 0)> r{};
    resize_to(r, s, name);
    std::size_t off = 0;
    auto put = [&](const auto& t) {
      j.template move<false>(r.data(), t.data(), off, extent(t));
      off += extent(t);
    };
    put(a);
    (put(x), ...);
    return r;
  }
  template <std::size_t I, class... X>
  static auto vjp(const X&... x) {
    const auto all = std::forward_as_tuple(x...);
    const auto& g = std::get<sizeof...(X) - 1>(all);
    const auto& t = std::get<I>(all);
    using A = std::remove_cvref_t<decltype(t)>;
    join_layout j = join_layout::of(t, ax<A>, Stack);
    j.total = 0;
    std::size_t off = 0;
    static_for<sizeof...(X) - 2>([&](auto k) {
      const std::size_t e = extent(std::get<k>(all));
      if (k < I) off += e;
      j.total += e;
    });
    A r = same_shape(t);
    j.template move<true>(g.data(), r.data(), off, extent(t));
    return r;
  }
};
template <int Axis>
using concatenate_op = join_op<Axis, false>;
template <int Axis>
using stack_op = join_op<Axis, true>;

struct broadcast_to_op {
  using structural = void;
  static constexpr std::string_view name = "broadcast_to";
  template <class A, std::size_t R>
  static xt::xtensor<elem_t<A>, R> value(const A& a, const shape_param<R>& p) {
    const shape_vec to(p.s.begin(), p.s.end());
    checked_size(name, to);
    if (broadcast_shapes(name, shape_of(a), to) != to)
      shape_fail(name, "cannot broadcast", shape_of(a), to);
    xt::xtensor<elem_t<A>, R> r(p.s);
    for_broadcast(shape_of(a), to,
                  [&](std::size_t i, std::size_t j) { r.data()[i] = a.data()[j]; });
    return r;
  }
  template <std::size_t, class A, class P, class V, class G>
  static A vjp(const A& a, const P&, const V&, const G& g) {
    A r = same_shape(a);
    unbroadcast_into(g.data(), shape_of(g), r.data(), shape_of(a));
    return r;
  }
};

template <class A>
using value_of_t = typename std::remove_cvref_t<A>::value_type;

/// node<Op>(args...) if Ok, else a stand-in: the public function asserted Ok (TT-E13) in its own
/// body, one instantiation note nearer the user's line than an assertion here would be.
template <bool Ok, class Op, class... A>
constexpr auto make_if(A&&... a) {
  if constexpr (!Ok)
    return rejected(std::forward<A>(a)...);
  else
    return make<Op>(std::forward<A>(a)...);
}

template <class A, class... Rg>
constexpr auto make_slice(A&& a, const Rg&... r) {
  slice_param<sizeof...(Rg)> p{{r...}};
  return make_if<(sizeof...(Rg) <= rank_v<value_of_t<A>>), slice_op>(
      std::forward<A>(a), constant<slice_param<sizeof...(Rg)>>{p});
}

}  // namespace detail

/// The same elements in a new shape: `tt::reshape(x, {2, 3})`.
template <class A, std::size_t R>
  requires expression<A>
constexpr auto reshape(A&& a, const std::size_t (&shape)[R]) {
  detail::shape_param<R> p{};
  std::copy(shape, shape + R, p.s.begin());
  return detail::make<detail::reshape_op>(std::forward<A>(a), constant<detail::shape_param<R>>{p});
}
/// The same elements in a shape given at compile time: `tt::reshape<2, 3>(x)` is a fixed-shape
/// [2, 3] tensor. From a fixed-shape operand of another size it is TT-E12 at compile time.
template <std::size_t D0, std::size_t... D, class A>
  requires expression<A>
constexpr auto reshape(A&& a) {
  using V = detail::value_of_t<A>;
  using to = xt::xtensor_fixed<detail::elem_t<V>, xt::xshape<D0, D...>>;
  constexpr bool fits = [] {
    if constexpr (detail::static_shape<V>::known) {
      std::size_t n = 1;
      for (const std::size_t d : detail::static_shape<V>::dims) n *= d;
      return n == (D0 * ... * D);
    } else
      return true;
  }();
  if constexpr (!fits) {
    static_assert(diag::fixed_shapes_broadcast<detail::tlist<V, to>, false>, TT_E12_FIXED_RESHAPE);
    return detail::rejected(std::forward<A>(a));
  } else {
    return detail::make<detail::fixed_reshape_op<D0, D...>>(std::forward<A>(a));
  }
}
/// Axes reversed (`transpose(x)`, the matrix transpose for rank 2), or permuted:
/// `transpose<0, 2, 1>(x)`.
template <std::size_t... P, class A>
  requires expression<A>
constexpr auto transpose(A&& a) {
  constexpr std::size_t R = detail::rank_v<detail::value_of_t<A>>;
  constexpr bool ok =
      sizeof...(P) == 0 || (sizeof...(P) == R && ((P < R) && ...) && detail::distinct<P...>());
  static_assert(diag::axis_and_rank_fit_the_op<detail::value_of_t<A>, ok>, TT_E13_AXIS);
  return detail::make_if<ok, detail::transpose_op<P...>>(std::forward<A>(a));
}
/// Strided ranges of the leading axes (the rest are whole):
/// `tt::slice(x, {1, 3}, {0, 6, 2})` is NumPy's x[1:3, 0:6:2].
template <class A>
  requires expression<A>
constexpr auto slice(A&& a, range r0) {
  static_assert(diag::axis_and_rank_fit_the_op<detail::value_of_t<A>,
                                               (1 <= detail::rank_v<detail::value_of_t<A>>)>,
                TT_E13_AXIS);
  return detail::make_slice(std::forward<A>(a), r0);
}
template <class A>
  requires expression<A>
constexpr auto slice(A&& a, range r0, range r1) {
  static_assert(diag::axis_and_rank_fit_the_op<detail::value_of_t<A>,
                                               (2 <= detail::rank_v<detail::value_of_t<A>>)>,
                TT_E13_AXIS);
  return detail::make_slice(std::forward<A>(a), r0, r1);
}
template <class A>
  requires expression<A>
constexpr auto slice(A&& a, range r0, range r1, range r2) {
  static_assert(diag::axis_and_rank_fit_the_op<detail::value_of_t<A>,
                                               (3 <= detail::rank_v<detail::value_of_t<A>>)>,
                TT_E13_AXIS);
  return detail::make_slice(std::forward<A>(a), r0, r1, r2);
}
template <class A>
  requires expression<A>
constexpr auto slice(A&& a, range r0, range r1, range r2, range r3) {
  static_assert(diag::axis_and_rank_fit_the_op<detail::value_of_t<A>,
                                               (4 <= detail::rank_v<detail::value_of_t<A>>)>,
                TT_E13_AXIS);
  return detail::make_slice(std::forward<A>(a), r0, r1, r2, r3);
}
/// Joins tensors of one rank along an existing axis.
template <int Axis = 0, class... A>
  requires((expression<A> && ...) && sizeof...(A) > 0)
constexpr auto concatenate(A&&... a) {
  using First = detail::value_of_t<detail::at_t<0, detail::tlist<A...>>>;
  constexpr bool ok = detail::axis_fits<Axis, detail::rank_v<First>> && Axis != all_axes &&
                      ((detail::rank_v<detail::value_of_t<A>> == detail::rank_v<First>)&&...);
  static_assert(diag::axis_and_rank_fit_the_op<First, ok>, TT_E13_AXIS);
  return detail::make_if<ok, detail::concatenate_op<Axis>>(std::forward<A>(a)...);
}
/// Stacks tensors of one shape along a new axis.
template <int Axis = 0, class... A>
  requires((expression<A> && ...) && sizeof...(A) > 0)
constexpr auto stack(A&&... a) {
  using First = detail::value_of_t<detail::at_t<0, detail::tlist<A...>>>;
  constexpr bool ok = detail::axis_fits<Axis, detail::rank_v<First> + 1> && Axis != all_axes &&
                      ((detail::rank_v<detail::value_of_t<A>> == detail::rank_v<First>)&&...);
  static_assert(diag::axis_and_rank_fit_the_op<First, ok>, TT_E13_AXIS);
  return detail::make_if<ok, detail::stack_op<Axis>>(std::forward<A>(a)...);
}
/// The tensor repeated along broadcast axes to `shape` (NumPy's broadcast_to).
template <class A, std::size_t R>
  requires expression<A>
constexpr auto broadcast_to(A&& a, const std::size_t (&shape)[R]) {
  detail::shape_param<R> p{};
  std::copy(shape, shape + R, p.s.begin());
  return detail::make<detail::broadcast_to_op>(std::forward<A>(a),
                                               constant<detail::shape_param<R>>{p});
}

}  // namespace tt
