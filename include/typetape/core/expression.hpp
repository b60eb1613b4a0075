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

#include <concepts>
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
template <class T>
concept operand = expression<T> || number<T>;

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

/// The adjoint handed to an operand whose value type is V.
template <class V, class G>
TT_INLINE constexpr V adjoint_cast(const G& g) {
  return static_cast<V>(g);
}

struct extract_op;
template <class E>
constexpr auto extract(const E& e);

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
 public:
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;

  constexpr explicit basic_variable(T v = T{}) noexcept : v_(v) {}
  basic_variable(const basic_variable&) = delete;
  basic_variable& operator=(const basic_variable&) = delete;

  /// Assignment changes later recordings only (gradients use values at recording).
  constexpr basic_variable& operator=(T v) noexcept {
    v_ = v;
    return *this;
  }
  constexpr basic_variable& operator+=(T d) noexcept {
    v_ += d;
    return *this;
  }
  constexpr basic_variable& operator-=(T d) noexcept {
    v_ -= d;
    return *this;
  }
  constexpr const T& get() const noexcept { return v_; }
  constexpr void set(T v) noexcept { v_ = v; }
  static constexpr std::string_view name() noexcept { return Name::view(); }

  /// The current value taken out of the expression: a detaching node (TT-E02 if a
  /// gradient is asked through it), implicitly convertible to T.
  constexpr auto value() const&;
  void value() const&& = delete;

 private:
  T v_;
};

/// A variable inside an expression tree.
template <class Name, class T>
struct var_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  const basic_variable<Name, T>* p;

  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    r.v = p->get();
  }
  template <class Ctx>
  TT_INLINE constexpr void backward(const record&, const T& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(g);
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
    r.v = p->v;
  }
  template <class Ctx>
  TT_INLINE constexpr void backward(const record&, const T& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(g);
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
    r.v = ctx.template let_value<Name>();
  }
  template <class Ctx>
  TT_INLINE constexpr void backward(const record&, const value_type& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(g);
  }
  static constexpr std::string_view name() noexcept { return Name::view(); }
  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }
};

// ---- the generic node ---------------------------------------------------------------------

namespace detail {
template <class Op>
inline constexpr bool is_comparison = requires { typename Op::comparison; };
}

/// An op applied to its operands (kids). Plain aggregate: `node<Op, K...>{{k...}}`.
template <class Op, class... K>
struct node {
  using tt_expression = void;
  using value_type = std::decay_t<decltype(Op::value(std::declval<const typename K::value_type&>()...))>;
  std::tuple<K...> kids;

  struct record {
    value_type v;
    std::tuple<typename K::record...> kids;
  };

  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx& ctx) const {
    forward_kids(r, ctx, std::index_sequence_for<K...>{});
  }

  template <class Ctx>
  TT_INLINE constexpr void backward(const record& r, const value_type& g, Ctx& ctx) const {
    backward_kids(r, g, ctx, std::index_sequence_for<K...>{});
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
    r.v = Op::value(std::get<I>(r.kids).v...);
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
      const auto a = Op::template vjp<I>(std::get<J>(r.kids).v..., r.v, g);
      std::get<I>(kids).backward(std::get<I>(r.kids),
                                 detail::adjoint_cast<typename kid::value_type>(a), ctx);
    }
  }
};

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

/// The name of the first operand that is a temporary variable (void if none).
template <class... A>
struct first_temporary {
  using type = void;
};
template <class A, class... R>
struct first_temporary<A, R...> {
  using type = std::conditional_t<is_temporary_variable<A>,
                                  typename name_or_void<std::remove_cvref_t<A>>::type,
                                  typename first_temporary<R...>::type>;
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
template <class A, class V = void>
using closure_t = typename closure<A, V>::type;

template <class V, class A>
TT_INLINE constexpr closure_t<A&&, V> close(A&& a) {
  if constexpr (is_variable<std::remove_cvref_t<A>>)
    return {&a};
  else if constexpr (number<A>)
    return {static_cast<number_type<V, std::remove_cvref_t<A>>>(a)};
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
template <class Acc, class A>
  requires expression<A> && (!std::is_void_v<Acc>)
struct common_step<Acc, A> {
  using type = std::common_type_t<Acc, typename A::value_type>;
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
