// The closure rule: how operands are held in a tree (variables by reference, numbers
// as constants of the expression's type, tensors copied into dense storage), and
// detail::make, the one place a node is built from operands (TT-E09 is checked there);
// tt::let and tt::watch; TT-E14 for accumulating into an expression.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "node.hpp"

namespace tt {

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
  using type = typename std::conditional_t<
      (index < sizeof...(A)),
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
  requires(!tensor_like<A> && !tensor_like<B> &&
           requires { typename std::common_type<A, B>::type; })
struct common_value<A, B> {
  using type = std::common_type_t<A, B>;
};
template <class A, class B>
  requires tensor_like<A> || tensor_like<B>
struct common_value<A, B> {  // a tensor and anything: the tensor (numbers take its element type)
  using type = std::conditional_t<tensor_like<A>, A, B>;
};
template <class Acc, class A>
  requires(expression<A> && !std::is_void_v<Acc>)
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

template <class... A>
using first_temporary_t = typename first_temporary<A...>::type;

/// Builds node<Op, ...> from operands; the one place operands are closed over. TT-E09 for a
/// temporary variable among them, unless the caller checked (Check = false: the arithmetic
/// operators report it in their own body, one instantiation note nearer the user's line).
template <class Op, bool Check = true, class... A>
TT_INLINE constexpr auto make(A&&... a) {
  using temporary = first_temporary_t<A&&...>;  // void if none
  static_assert(diag::variable_is_not_a_temporary < temporary,
                !Check || std::is_void_v < temporary >>, TT_E09);
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
requires accumulation_misuse<D, E> D& operator+=(D& d, E&&) {
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>,
                  TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}
template <class D, class E>
requires accumulation_misuse<D, E> D& operator-=(
    D& d, E&&) {  // (not via +=: one instantiation note less)
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>,
                  TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}
template <class D, class E>
requires accumulation_misuse<D, E> D& operator*=(
    D& d, E&&) {  // (not via +=: one instantiation note less)
  if constexpr (std::is_arithmetic_v<D>)
    static_assert(diag::expression_is_built_once_use_tt_sum_over<std::remove_cvref_t<E>, false>,
                  TT_E14_NUMBER);
  else
    static_assert(diag::expression_is_built_once_use_tt_sum_over<D, false>, TT_E14);
  return d;
}

template <class Name, class T>
constexpr auto basic_variable<Name, T>::value() const& {
  return detail::extract(*this);
}

namespace detail {
template <class Name, class E>
constexpr auto let_named(E&& e) {
  using V = common_expr_value_t<std::remove_cvref_t<E>>;
  return let_node<Name, closure_t<E&&, V>>{close<V>(std::forward<E>(e))};
}
}  // namespace detail

/// Names an intermediate: `auto conv = tt::let<"conv">(w * x);`.
template <fixed_string S, class E>
  requires operand<E>
constexpr auto let(E&& e) {
  using temporary = typename detail::first_temporary<E&&>::type;  // void if none
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  return detail::let_named<name_of<S>>(std::forward<E>(e));
}

namespace detail {
/// FNV-1a of a type's spelling as the compiler prints it in __PRETTY_FUNCTION__: two
/// different types, two different hashes (but for a 2^-32 chance).
template <class T>
constexpr std::uint32_t type_hash() noexcept {
  std::uint32_t h = 2166136261u;
  for (const char c : std::string_view(__PRETTY_FUNCTION__)) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}
/// S + "#" + eight hex digits of h.
template <fixed_string S, std::uint32_t H>
constexpr fixed_string<S.size() + 10> hashed_name() {
  char suffix[10]{'#'};
  for (std::size_t i = 0; i < 8; ++i) suffix[1 + i] = "0123456789abcdef"[(H >> (28 - 4 * i)) & 15u];
  return joined_name(S, suffix);
}
}  // namespace detail

/// A let for code called more than once in one expression (a layer's forward, a helper): its
/// name is `S#` and a hash of its body's type, so each call with different inputs makes its
/// own let, and two calls on the same inputs the same one. `tt::nn::lstm_cell` names its gates
/// this way, so it can be called by hand step after step (with tt::let, the second call's
/// `lstm.z` would clash with the first's: TT-E10). Calls whose inputs differ only in the values
/// of constants of one type are one let to the types: their clash is TT-E10 at recording.
template <fixed_string S, class E>
  requires operand<E>
constexpr auto local_let(E&& e) {
  using temporary = typename detail::first_temporary<E&&>::type;  // void if none
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using B = detail::closure_t<E&&, detail::common_expr_value_t<std::remove_cvref_t<E>>>;
  return detail::let_named<name_of<detail::hashed_name<S, detail::type_hash<B>()>()>>(
      std::forward<E>(e));
}

/// Makes a constant a source (TensorFlow's tape.watch): `auto cw = tt::watch<"c">(c);`.
template <fixed_string S, class T>
constexpr watched_ref<name_of<S>, T> watch(const constant<T>& c) {
  return {&c};
}
template <fixed_string S, class T>
void watch(const constant<T>&&) = delete;  // would dangle

}  // namespace tt
