// Leaves (variable, constant, watch, let), the generic node, and the closure rule.
//
// Every expression node has:
//   value_type                    the value it computes
//   record                        what the tape keeps of it: `v` (its value) and the kids' records
//   forward(record&, ctx)         computes the record from the leaves (and let slots in ctx)
//   backward(record, g, ctx)      pushes the adjoint g to the kids the ctx wants
// Nodes are plain aggregates; an op is an empty tag type whose forward rule
// (`value`) and vector-Jacobian rule (`vjp<I>`) sit together (ops/*.hpp).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../eval/scalar.hpp"
#include "../fwd.hpp"
#include "diagnostics.hpp"

namespace tt {

/// Anything that can appear in an expression tree (variables included).
template <class E>
concept expression = requires { typename std::remove_cvref_t<E>::tt_expression; };
/// A plain number mixed into an expression: becomes a constant.
template <class T>
concept number = std::is_arithmetic_v<std::remove_cvref_t<T>>;
/// A tensor value (an xtensor container): has a shape and contiguous data. Tensor
/// support itself is in <typetape/tensor.hpp>; the core only knows this much.
template <class T>
concept tensor_like = !std::is_arithmetic_v<T> && requires(const T& t) {
  t.shape();
  t.data();
  t.size();
  typename T::value_type;
};
/// A plain tensor mixed into an expression: becomes a constant (copied).
template <class T>
concept tensor_operand = !expression<T> && tensor_like<std::remove_cvref_t<T>>;
template <class T>
concept operand = expression<T> || number<T> || tensor_operand<T>;

namespace detail {

/// How a source can reach a target: through differentiable ops (live) or only
/// through a detaching node of some kind. Kinds are bits so that a reach can be
/// several at once.
namespace reach {
inline constexpr unsigned live = 1, stop = 2, int_cast = 4, extract = 8, piecewise = 16,
                          compare = 32;
/// What a detaching node of `kind` does to what reaches through it.
constexpr unsigned cut(unsigned kind, unsigned r) {
  if (kind == 0) return r;
  return (r & ~live) | ((r & live) ? kind : 0u);
}
}  // namespace reach

/// op_cut<Op>(i): the detaching kind of an op's i-th operand (0: differentiable).
template <class Op>
constexpr unsigned op_cut(std::size_t i) {
  if constexpr (requires { Op::cut(i); })
    return Op::cut(i);
  else
    return 0;
}

struct extract_op;
template <class E>
constexpr auto extract(const E& e);

/// The element type of a value (the value itself for scalars and SIMD batches).
template <class T>
struct elem_of {
  using type = T;
};
template <tensor_like T>
struct elem_of<T> {
  using type = typename T::value_type;
};
template <class T>
using elem_t = typename elem_of<T>::type;

/// The rank of a value: 0 for scalars.
template <class T>
inline constexpr std::size_t rank_v = 0;
template <tensor_like T>
inline constexpr std::size_t rank_v<T> = std::tuple_size_v<std::remove_cvref_t<decltype(std::declval<const T&>().shape())>>;

/// Hooks the tensor back end (eval/tensor.hpp) defines: a tensor of element E and
/// rank R (keeping T's fixed shape when R is T's rank), and the fused elementwise
/// kernel. Left undefined here so that scalar code never parses xtensor.
template <class T, class E, std::size_t R>
struct tensor_rebind;
template <class Node>
struct fused_kernel;
/// Is T a tensor typetape reads through data() directly: a row-major xt::xtensor or
/// xt::xtensor_fixed (eval/tensor.hpp)? Views and column-major tensors are not.
template <class T>
inline constexpr bool is_dense_tensor = false;
/// The container a plain tensor operand is copied into (itself when dense).
template <class T>
struct tensor_storage;
/// The shape of a fixed-shape tensor type, known at compile time (eval/tensor.hpp
/// specializes it for xt::xtensor_fixed).
template <class T>
struct static_shape {
  static constexpr bool known = false;
};
/// Do the fixed shapes among V... broadcast together (true where a shape is not fixed)?
template <class A, class B>
constexpr bool static_shapes_fit() {
  if constexpr (!static_shape<A>::known || !static_shape<B>::known) {
    return true;
  } else {
    constexpr auto a = static_shape<A>::dims;
    constexpr auto b = static_shape<B>::dims;
    for (std::size_t k = 0; k < a.size() && k < b.size(); ++k) {
      const std::size_t da = a[a.size() - 1 - k], db = b[b.size() - 1 - k];
      if (da != db && da != 1 && db != 1) return false;
    }
    return true;
  }
}
template <class... V>
inline constexpr bool static_shapes_broadcast = true;
template <class A, class... R>
inline constexpr bool static_shapes_broadcast<A, R...> =
    (static_shapes_fit<A, R>() && ...) && static_shapes_broadcast<R...>;

/// Throws tt::shape_error (naming `what` and both shapes) unless a and b have one shape.
template <class A, class B>
void check_same_shape(const char* what, const A& a, const B& b);
/// A tensor of zeros shaped like t.
template <class T>
T zeros_like(const T& t);

/// A record's value: records of tensor variables point at the variable instead of
/// copying it (see var_ref), so values are read through val().
template <class R>
TT_INLINE constexpr const auto& val(const R& r) {
  if constexpr (requires { r.get(); }) return r.get();
  else return r.v;
}

}  // namespace detail

/// Evaluates an expression with the variables' current values (no gradient).
template <class E>
  requires expression<E>
auto eval(const E& e);

// ---- leaves ------------------------------------------------------------------------------

/// A constant: never a source (TT-E03) unless watched with tt::watch.
template <class T>
struct constant {
  using tt_expression = void;
  using value_type = T;
  T v;

  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    r.v = v;
  }
  template <class Ctx>
  TT_INLINE constexpr void backward(const record&, const T&, Ctx&) const {}
};
template <class T>
constant(T) -> constant<T>;

/// A named source. Expressions refer to it by reference: its identity is its name.
/// Not copyable, so one name cannot silently stand for two objects.
template <class Name, class T>
class basic_variable {
  static_assert(!tensor_like<T> || detail::is_dense_tensor<T>,
                "typetape: a tensor variable is a row-major xt::xtensor<T, N> or xt::xtensor_fixed "
                "(include <typetape/tensor.hpp>); evaluate a view into one first");

 public:
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;

  constexpr explicit basic_variable(T v = T{}) noexcept(std::is_nothrow_move_constructible_v<T>)
      : v_(std::move(v)) {}
  basic_variable(const basic_variable&) = delete;
  basic_variable& operator=(const basic_variable&) = delete;

  /// Assignment changes later recordings only (gradients use values at recording).
  /// A tensor variable is not copied by a recording: assigning to it while a tape
  /// that recorded it is still to be used makes that tape's gradient() throw.
  template <class U>
    requires std::is_assignable_v<T&, U&&>
  constexpr basic_variable& operator=(U&& v) {
    v_ = std::forward<U>(v);
    ++version_;
    return *this;
  }
  /// `w -= lr * g` as an update. A tensor of the same shape (say a gradient scaled in
  /// place, `g *= -lr; w += g;`) is added in place; an xtensor expression goes through
  /// xtensor, which evaluates it into a temporary first (it may read w itself).
  template <class U>
  constexpr basic_variable& operator+=(const U& d) {
    if (!in_place<1>(d)) v_ += d;
    ++version_;
    return *this;
  }
  template <class U>
  constexpr basic_variable& operator-=(const U& d) {
    if (!in_place<-1>(d)) v_ -= d;
    ++version_;
    return *this;
  }
  constexpr const T& get() const noexcept { return v_; }
  /// Changes the value in place, `f(value)` (an optimizer's step): no copy, and the
  /// version moves on as for any assignment.
  template <class F>
  constexpr void update(F&& f) {
    std::forward<F>(f)(v_);
    ++version_;
  }
  constexpr void set(T v) {
    v_ = std::move(v);
    ++version_;
  }
  /// How many times the value was changed (tensor variables only; 0 for scalars).
  constexpr std::uint64_t version() const noexcept {
    if constexpr (tensor_like<T>) return version_;
    else return 0;
  }
  static constexpr std::string_view name() noexcept { return Name::view(); }

  /// The current value taken out of the expression: a detaching node (TT-E02 if a
  /// gradient is asked through it), implicitly convertible to T.
  constexpr auto value() const&;
  void value() const&& = delete;

 private:
  struct no_version {
    constexpr no_version& operator++() noexcept { return *this; }
  };
  T v_;
  [[no_unique_address]] std::conditional_t<tensor_like<T>, std::uint64_t, no_version> version_{};
  /// v_ += Sign * d elementwise, when both are dense tensors of one shape; false otherwise.
  template <int Sign, class U>
  constexpr bool in_place(const U& d) {
    if constexpr (detail::is_dense_tensor<T> && detail::is_dense_tensor<U>) {
      const auto& a = v_.shape();
      const auto& b = d.shape();
      if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) return false;
      auto* p = v_.data();
      const auto* q = d.data();
      for (std::size_t i = 0, n = v_.size(); i < n; ++i) {
        if constexpr (Sign > 0) p[i] += q[i];
        else p[i] -= q[i];  // not p[i] += -1 * q[i]: -1 * an unsigned q wraps
      }
      return true;
    } else {
      return false;
    }
  }
};

/// A variable inside an expression tree.
template <class Name, class T>
struct var_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  const basic_variable<Name, T>* p;

  struct scalar_record {
    T v;
  };
  /// A tensor is not copied: the record points at the variable and remembers its
  /// version, and reading a value the variable no longer holds throws.
  struct tensor_record {
    const basic_variable<Name, T>* var = nullptr;
    std::uint64_t version = 0;
    const T& get() const {
      if (var->version() != version) detail::throw_modified(Name::view());
      return var->get();
    }
  };
  using record = std::conditional_t<tensor_like<T>, tensor_record, scalar_record>;
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    if constexpr (tensor_like<T>) r = {p, p->version()};
    else r.v = p->get();
  }
  template <class G, class Ctx>  // G is T; an rvalue tensor adjoint is moved, not copied
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
};

/// A constant made a source by tt::watch<"c">(c) (TensorFlow's tape.watch).
template <class Name, class T>
struct watched_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  const constant<T>* p;

  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    if constexpr (requires { p->get(); }) r.v = p->get();  // a tensor constant
    else r.v = p->v;
  }
  template <class G, class Ctx>  // G is T; an rvalue tensor adjoint is moved, not copied
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
};

/// A named intermediate: one node of the graph however often it is used (value
/// computed once per recording, adjoint accumulated), and a valid source.
template <class Name, class Body>
struct let_node {
  using tt_expression = void;
  using value_type = typename Body::value_type;
  using name_type = Name;
  using body_type = Body;
  Body body;

  struct record {
    value_type v;
  };
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx& ctx) const {
    r.v = ctx.template let_value<Name>();  // a tensor let is copied once per recording
  }
  template <class G, class Ctx>
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
  static constexpr std::string_view name() noexcept { return Name::view(); }
  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }
};

// ---- the generic node ---------------------------------------------------------------------

namespace detail {
template <class Op>
inline constexpr bool is_comparison = requires { typename Op::comparison; };

/// Ops that are not elementwise (reductions, shape ops, matmul, conv) say so; every
/// other op is elementwise.
template <class Op>
inline constexpr bool is_structural = requires { typename Op::structural; };

/// An elementwise op with a tensor operand belongs to a fused region: the region
/// (a maximal subtree of such nodes) runs as one loop over the elements, forward
/// and backward, with no tensor per node (eval/tensor.hpp).
template <class Op, class... V>
inline constexpr bool fusable_v = !is_structural<Op> && (tensor_like<V> || ...);

template <class K>
inline constexpr bool is_fused_node = false;
template <class Op, class... K>
inline constexpr bool is_fused_node<node<Op, K...>> = node<Op, K...>::fused;

/// The inputs of a fused region below a kid: every kid that is not itself fused,
/// except scalar constants, which stay in the per-element tree.
template <class K>
struct frontier_of {
  using type = tlist<K>;
};
template <class T>
  requires(!tensor_like<T>)
struct frontier_of<constant<T>> {
  using type = tlist<>;
};
template <class Op, class... K>
  requires is_fused_node<node<Op, K...>>
struct frontier_of<node<Op, K...>> {
  using type = typename concat<typename frontier_of<K>::type...>::type;
};
template <class... K>
using frontier_t = typename concat<typename frontier_of<K>::type...>::type;

template <class E, class... V>
struct tensor_result;  // eval/tensor.hpp: the tensor an elementwise op on V... gives

/// Is T a dual number (eval/dual.hpp)? Forward mode runs each op's rule on them.
template <class T>
inline constexpr bool is_dual = false;
/// An op on dual numbers: the value from the op's `value`, the tangent from its `vjp`
/// (defined in eval/dual.hpp, which every entry point that makes duals includes).
template <class Op, class... A>
constexpr auto derived_value(const A&... a);

/// An op's forward rule on operand values: `Op::value`, or on dual numbers the rule
/// forward mode derives from the op's value and VJP (no op restates its derivative).
template <class Op, class... A>
TT_INLINE constexpr auto apply_op(const A&... a) {
  if constexpr ((is_dual<A> || ...)) return derived_value<Op>(a...);
  else return Op::value(a...);
}

template <bool Fused, class Op, class... V>
struct node_value {
  using type = std::decay_t<decltype(apply_op<Op>(std::declval<const V&>()...))>;
};
template <class Op, class... V>
struct node_value<true, Op, V...> {
  using E = std::decay_t<decltype(Op::value(std::declval<const elem_t<V>&>()...))>;
  using type = typename tensor_result<E, V...>::type;
};

template <class V, class F>
struct fused_record_of;
template <class V, class... F>
struct fused_record_of<V, tlist<F...>> {
  struct type {
    V v;
    std::tuple<typename F::record...> f;  // the region's inputs
  };
};
template <bool Fused, class V, class Plain, class... K>
struct record_select {
  using type = Plain;
};
template <class V, class Plain, class... K>
struct record_select<true, V, Plain, K...> {
  using type = typename fused_record_of<V, frontier_t<K...>>::type;
};

/// The adjoint handed to an operand whose value type is V (moved when it is one).
template <class V, class G>
TT_INLINE constexpr decltype(auto) adjoint_to(G&& g) {
  if constexpr (std::is_same_v<std::remove_cvref_t<G>, V>) return std::forward<G>(g);
  else return static_cast<V>(std::forward<G>(g));
}
}  // namespace detail

/// An op applied to its operands (kids). Plain aggregate: `node<Op, K...>{{k...}}`.
template <class Op, class... K>
struct node {
  using tt_expression = void;
  static constexpr bool fused = detail::fusable_v<Op, typename K::value_type...>;
  using value_type = typename detail::node_value<fused, Op, typename K::value_type...>::type;
  std::tuple<K...> kids;

  struct plain_record {
    value_type v;
    std::tuple<typename K::record...> kids;
  };
  using record = typename detail::record_select<fused, value_type, plain_record, K...>::type;

  /// A sum or mean over every element of a fused region: the region sums as it
  /// goes and its elements are never stored; backward seeds them all with one value.
  static constexpr bool sums_region = [] {
    if constexpr (requires { Op::sums_region; } && sizeof...(K) == 1)
      return Op::sums_region && (detail::is_fused_node<K> && ...);
    else
      return false;
  }();

  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx& ctx) const {
    if constexpr (fused) {
      detail::fused_kernel<node>::forward(*this, r, ctx);
    } else if constexpr (sums_region) {
      using kid = std::tuple_element_t<0, std::tuple<K...>>;
      const auto [s, n] = detail::fused_kernel<kid>::forward_sum(std::get<0>(kids), std::get<0>(r.kids), ctx);
      r.v = Op::finish_sum(s, n);
    } else {
      forward_kids(r, ctx, std::index_sequence_for<K...>{});
    }
  }

  /// The forward pass of a sums_region node whose own value is not needed (the
  /// target of tt::gradient's short form): its region's inputs only.
  template <class Ctx>
  TT_INLINE constexpr void forward_inputs(record& r, const Ctx& ctx) const
    requires sums_region
  {
    using kid = std::tuple_element_t<0, std::tuple<K...>>;
    detail::fused_kernel<kid>::forward_inputs(std::get<0>(kids), std::get<0>(r.kids), ctx);
  }

  template <class Ctx>
  TT_INLINE constexpr void backward(const record& r, const value_type& g, Ctx& ctx) const {
    if constexpr (fused) {
      detail::fused_kernel<node>::backward(*this, r, g, ctx);
    } else if constexpr (sums_region) {
      using kid = std::tuple_element_t<0, std::tuple<K...>>;
      if constexpr (detail::op_cut<Op>(0) == 0 && Ctx::template wants<kid>) {
        const auto& kr = std::get<0>(r.kids);
        detail::fused_kernel<kid>::backward_uniform(std::get<0>(kids), kr, Op::sum_adjoint(g, kr, std::get<0>(kids)), ctx);
      }
    } else {
      backward_kids(r, g, ctx, std::index_sequence_for<K...>{});
    }
  }

  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }

  /// A recorded comparison used as a C++ condition or stored in a bool: TT-E06.
  /// Implicit on purpose, so that `bool b = x > 1.0;` reaches the diagnostic too.
  operator bool() const  // NOLINT(google-explicit-constructor)
    requires detail::is_comparison<Op>
  {
    static_assert(diag::comparison_is_not_used_as_a_branch<node, false>, TT_E06);
    return false;
  }
  /// `loss = loss + term;` in a C++ loop (another expression type): TT-E14, naming the
  /// loop node that records such a loop (tt::sum_over); `loss += term` is below.
  template <class U>
    requires(expression<U> && !std::is_same_v<std::remove_cvref_t<U>, node>)
  node& operator=(U&&) {
    static_assert(diag::expression_is_built_once_use_tt_sum_over<node, false>, TT_E14);
    return *this;
  }
  /// `double loss = expr;`: TT-E14 (an expression is not a number; tt::eval gives its value).
  operator value_type() const  // NOLINT(google-explicit-constructor): implicit, to reach the diagnostic
    requires(std::is_arithmetic_v<value_type> && !std::same_as<Op, detail::extract_op> && !detail::is_comparison<Op>)
  {
    static_assert(diag::expression_is_built_once_use_tt_sum_over<node, false>, TT_E14_NUMBER);
    return value_type{};
  }
  /// A value taken out with .value() converts to a plain number.
  operator value_type() const  // NOLINT: implicit on purpose
    requires std::same_as<Op, detail::extract_op>
  {
    return tt::eval(std::get<0>(kids));
  }

 private:
  template <class Ctx, std::size_t... I>
  TT_INLINE constexpr void forward_kids(record& r, const Ctx& ctx, std::index_sequence<I...>) const {
    (std::get<I>(kids).forward(std::get<I>(r.kids), ctx), ...);
    r.v = detail::apply_op<Op>(detail::val(std::get<I>(r.kids))...);
  }
  template <class Ctx, std::size_t... I>
  TT_INLINE constexpr void backward_kids(const record& r, const value_type& g, Ctx& ctx,
                                         std::index_sequence<I...> all) const {
    (backward_kid<I>(r, g, ctx, all), ...);
  }
  template <std::size_t I, class Ctx, std::size_t... J>
  TT_INLINE constexpr void backward_kid(const record& r, const value_type& g, Ctx& ctx,
                                        std::index_sequence<J...>) const {
    using kid = std::tuple_element_t<I, std::tuple<K...>>;
    if constexpr (detail::op_cut<Op>(I) == 0 && Ctx::template wants<kid>) {
      std::get<I>(kids).backward(
          std::get<I>(r.kids),
          detail::adjoint_to<typename kid::value_type>(
              Op::template vjp<I>(detail::val(std::get<J>(r.kids))..., r.v, g)),
          ctx);
    }
  }
};

namespace detail {
/// Is E a sum or mean over a whole fused region (node::sums_region)?
template <class E>
inline constexpr bool sums_region_v = false;
template <class Op, class... K>
inline constexpr bool sums_region_v<node<Op, K...>> = node<Op, K...>::sums_region;
}  // namespace detail

namespace detail {
/// The value type an operand has in a tree (a number's is its own type).
template <class A>
struct operand_value {
  using type = std::remove_cvref_t<A>;
};
template <class A>
  requires expression<A>
struct operand_value<A> {
  using type = typename std::remove_cvref_t<A>::value_type;
};
/// Do the operands' fixed shapes (if any) broadcast? Checked in each elementwise binary
/// operator itself (TT-E12), so that the diagnostic points at the user's call.
template <class... A>
inline constexpr bool operand_shapes_fit = static_shapes_broadcast<typename operand_value<A>::type...>;
template <class... A>
using operand_values = tlist<typename operand_value<A>::type...>;
}  // namespace detail

// ---- the closure rule --------------------------------------------------------------------

namespace detail {

template <class A>
inline constexpr bool is_variable = false;
template <class N, class T>
inline constexpr bool is_variable<basic_variable<N, T>> = true;

/// A variable passed as an rvalue would dangle: TT-E09.
template <class A>
inline constexpr bool is_temporary_variable =
    is_variable<std::remove_cvref_t<A>> && !std::is_lvalue_reference_v<A>;

template <class A>
struct name_or_void {
  using type = void;
};
template <class A>
  requires requires { typename A::name_type; }
struct name_or_void<A> {
  using type = typename A::name_type;
};

/// The name of the first operand that is a temporary variable (void if none); no
/// recursion over the operands, so tt::sum_of's thousand terms stay within the depth.
template <class... A>
struct first_temporary {
  static constexpr std::size_t index = first_set<sizeof...(A)>({is_temporary_variable<A>...});
  using type = typename std::conditional_t<(index < sizeof...(A)),
                                           name_or_void<std::remove_cvref_t<pack_at<(index < sizeof...(A) ? index : 0), A...>>>,
                                           std::type_identity<void>>::type;
};
template <>
struct first_temporary<> {
  using type = void;
};

/// The value type plain numbers take next to expressions of value type V.
template <class V, class S>
struct number_type_of {
  using type = std::common_type_t<V, S>;
};
template <class V, class S>
  requires std::is_floating_point_v<V>
struct number_type_of<V, S> {
  using type = V;
};
template <class V, class S>
  requires tensor_like<V>
struct number_type_of<V, S> {  // a number next to a tensor takes its element type
  using type = typename number_type_of<elem_t<V>, S>::type;
};
template <class S>
struct number_type_of<void, S> {
  using type = S;
};
template <class V, class S>
using number_type = typename number_type_of<V, S>::type;

/// The type an operand is stored as inside a tree. Variables by reference (their
/// identity matters), everything else by value; numbers become constants of type V.
template <class A, class V>
struct closure {
  using type = std::remove_cvref_t<A>;
};
template <class A, class V>
  requires is_variable<std::remove_cvref_t<A>>
struct closure<A, V> {
  using D = std::remove_cvref_t<A>;
  using type = var_ref<typename D::name_type, typename D::value_type>;
};
template <class A, class V>
  requires number<A>
struct closure<A, V> {
  using type = constant<number_type<V, std::remove_cvref_t<A>>>;
};
template <class A, class V>
  requires tensor_operand<A>
struct closure<A, V> {  // a view or a column-major tensor is copied into a row-major one
  using type = constant<typename tensor_storage<std::remove_cvref_t<A>>::type>;
};
template <class A, class V = void>
using closure_t = typename closure<A, V>::type;

template <class V, class A>
TT_INLINE constexpr closure_t<A&&, V> close(A&& a) {
  if constexpr (is_variable<std::remove_cvref_t<A>>)
    return {&a};
  else if constexpr (number<A>)
    return {static_cast<number_type<V, std::remove_cvref_t<A>>>(a)};
  else if constexpr (tensor_operand<A>)
    return {typename tensor_storage<std::remove_cvref_t<A>>::type(std::forward<A>(a))};
  else
    return a;
}

/// The value type numbers are converted to: the common value type of the
/// expression operands (double when there are none).
template <class Acc, class A>
struct common_step {
  using type = Acc;
};
template <class Acc, class A>
  requires expression<A> && std::is_void_v<Acc>
struct common_step<Acc, A> {
  using type = typename A::value_type;
};
template <class A, class B>
struct common_value {  // no common type (an op's parameters): the first
  using type = A;
};
template <class A, class B>
  requires(!tensor_like<A> && !tensor_like<B> && requires { typename std::common_type<A, B>::type; })
struct common_value<A, B> {
  using type = std::common_type_t<A, B>;
};
template <class A, class B>
  requires tensor_like<A> || tensor_like<B>
struct common_value<A, B> {  // a tensor and anything: the tensor (numbers take its element type)
  using type = std::conditional_t<tensor_like<A>, A, B>;
};
template <class Acc, class A>
  requires expression<A> && (!std::is_void_v<Acc>)
struct common_step<Acc, A> {
  using type = typename common_value<Acc, typename A::value_type>::type;
};
template <class Acc, class... A>
struct common_expr;
template <class Acc>
struct common_expr<Acc> {
  using type = std::conditional_t<std::is_void_v<Acc>, double, Acc>;
};
template <class Acc, class A, class... R>
struct common_expr<Acc, A, R...> : common_expr<typename common_step<Acc, A>::type, R...> {};
template <class... A>
using common_expr_value_t = typename common_expr<void, A...>::type;

/// Builds node<Op, ...> from operands; the one place operands are closed over.
template <class Op, class... A>
TT_INLINE constexpr auto make(A&&... a) {
  using temporary = typename first_temporary<A&&...>::type;  // void if none
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using V = common_expr_value_t<std::remove_cvref_t<A>...>;
  return node<Op, closure_t<A&&, V>...>{{close<V>(std::forward<A>(a))...}};
}

struct extract_op {
  using structural = void;
  static constexpr unsigned cut(std::size_t) { return reach::extract; }
  template <class A>
  static constexpr A value(const A& a) {
    return a;
  }
};
template <class E>
constexpr auto extract(const E& e) {
  return node<extract_op, closure_t<const E&>>{{close<void>(e)}};
}

}  // namespace detail

/// `loss += term;` on an expression, or `double loss = 0; for (...) loss += term;`: TT-E14,
/// naming tt::sum_over (variables have their own +=, an update in place).
template <class D, class E>
concept accumulation_misuse = (std::is_arithmetic_v<D> && expression<E>) ||
                              (expression<D> && !detail::is_variable<D> && operand<E>);
template <class D, class E>
  requires accumulation_misuse<D, E>
D& operator+=(D& d, E&&) {
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>, TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}
template <class D, class E>
  requires accumulation_misuse<D, E>
D& operator-=(D& d, E&&) {  // (not via +=: one instantiation note less)
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>, TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}
template <class D, class E>
  requires accumulation_misuse<D, E>
D& operator*=(D& d, E&&) {  // (not via +=: one instantiation note less)
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>, TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}

template <class Name, class T>
constexpr auto basic_variable<Name, T>::value() const& {
  return detail::extract(*this);
}

/// Names an intermediate: `auto conv = tt::let<"conv">(w * x);`.
template <fixed_string S, class E>
  requires operand<E>
constexpr auto let(E&& e) {
  using temporary = typename detail::first_temporary<E&&>::type;  // void if none
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using V = detail::common_expr_value_t<std::remove_cvref_t<E>>;
  return let_node<name_of<S>, detail::closure_t<E&&, V>>{detail::close<V>(std::forward<E>(e))};
}

/// Makes a constant a source (TensorFlow's tape.watch): `auto cw = tt::watch<"c">(c);`.
template <fixed_string S, class T>
constexpr watched_ref<name_of<S>, T> watch(const constant<T>& c) {
  return {&c};
}
template <fixed_string S, class T>
void watch(const constant<T>&&) = delete;  // would dangle

}  // namespace tt
