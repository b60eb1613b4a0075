// Forward declarations of typetape's public types.
#pragma once

#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

#include "detail/meta.hpp"

namespace tt {

template <class Name, class T>
class basic_variable;
/// A watched source with a compile-time name: `tt::variable<"x"> x{2.0};`.
template <fixed_string S, class T = double>
using variable = basic_variable<name_of<S>, T>;

template <class T>
struct constant;
template <class Name, class T>
struct var_ref;
template <class Name, class T>
struct watched_ref;
template <class Op, class... Kids>
struct node;
template <class Name, class Body>
struct let_node;

struct persistent {};
struct non_persistent {};
template <class Policy, class... Targets>
class tape;

/// `tt::unconnected::zero` asks for zero gradients instead of E01/E02.
namespace unconnected {
struct none_t {};
struct zero_t {};
inline constexpr none_t none{};
inline constexpr zero_t zero{};
}  // namespace unconnected

}  // namespace tt

#endif  // TYPETAPE_LANGUAGE_OK
