// Every compile-time check as a public trait, for static_assert(!...) in generic
// code and in tests: the same conditions the diagnostics fire on.
#pragma once

#include "../detail/verdict.hpp"

namespace tt {

/// The name of a source type (variable, watched constant or let), else void.
template <class S>
using name_type_t = typename detail::name_or_void<std::remove_cvref_t<S>>::type;

/// TT-E03: can S be differentiated against at all (a named floating-point leaf or let)?
template <class S>
inline constexpr bool is_source = [] {
  using D = std::remove_cvref_t<S>;
  if constexpr (requires {
                  typename D::name_type;
                  typename D::value_type;
                })
    return std::is_floating_point_v<detail::elem_t<typename D::value_type>>;  // tensors: their
                                                                              // elements
  else
    return false;
}();

/// TT-E01: does the target use the source at all (through any path)?
template <class Target, class Source>
inline constexpr bool uses =
    detail::reach_v<detail::closure_t<const Target&>, name_type_t<Source>> != 0;

/// TT-E01/E02: does the target reach the source through differentiable ops?
template <class Target, class Source>
inline constexpr bool differentiable_wrt =
    is_source<Source> && (detail::reach_v<detail::closure_t<const Target&>, name_type_t<Source>> &
                          detail::reach::live) != 0;

/// TT-E02: does the source reach the target only through detaching nodes?
template <class Target, class Source>
inline constexpr bool only_detached = uses<Target, Source> && !differentiable_wrt<Target, Source>;

/// TT-E04: can gradient() be called on a tape of this type and value category?
template <class TapeRef>
inline constexpr bool can_take_gradient =
    std::is_same_v<typename std::remove_cvref_t<TapeRef>::policy, persistent> ||
    !std::is_lvalue_reference_v<TapeRef>;

/// TT-E06: is E a recorded comparison (which must not be used as a C++ condition)?
template <class E>
inline constexpr bool is_recorded_comparison = false;
template <class Op, class... K>
inline constexpr bool is_recorded_comparison<node<Op, K...>> = detail::is_comparison<Op>;

/// TT-E09: would building an expression from an A&& hold a dangling leaf?
template <class A>
inline constexpr bool dangles = detail::is_temporary_variable<A>;

/// TT-E10: do all the named things in these targets have distinct names?
template <class... Targets>
inline constexpr bool names_are_unique = std::is_void_v<
    typename detail::clashing_name<detail::named_t<detail::closure_t<const Targets&>...>>::type>;

/// TT-E05: is Target (by type) a target of a tape of type Tape? A target of the
/// recorded type that is another expression is TT-E05 at run time.
template <class Tape, class Target>
inline constexpr bool recorded_on =
    std::remove_cvref_t<Tape>::template records<std::remove_cvref_t<Target>>;

/// TT-E07: does gradient() of Target need tt::output_gradients (a tuple of targets)?
template <class Target>
inline constexpr bool needs_output_gradients =
    detail::target_pack<std::remove_cvref_t<Target>>::is_tuple;

}  // namespace tt
