// Loops with a small trip count known at compile time, unrolled into one expression
// (Boost.Hana's fold over a range), so each step may differ by its index:
//
//   std::tuple<tt::variable<"w0">&, tt::variable<"w1">&, tt::variable<"w2">&> ws{w0, w1, w2};
//   auto y = tt::unroll<"h", 3>([&](const auto& h, auto i) { return tt::tanh(std::get<i>(ws) * h +
//   x); }, h0);
//
// Each step's state is a let, so its value is computed once per recording however often
// the cell reads it, and the type grows linearly with N. The object does not: a let holds
// its body by value, so a cell that reads its state k times holds k copies of the previous
// step (k^N in all). Keep N small, read the state once where you can, and use tt::scan
// (ops/scan.hpp) for long or run-time loops. Not included by the umbrella headers (Hana
// costs parse time).
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

#include <boost/hana/fold_left.hpp>
#include <boost/hana/range.hpp>

#include "core/expression.hpp"

namespace tt {
namespace detail {
/// The name of step I's state in an unrolled loop: printed as the loop's name.
template <class LoopName, std::size_t I>
struct unrolled_name {
  static constexpr std::string_view view() noexcept { return LoopName::view(); }
};
}  // namespace detail

/// Applies cell(state, i) N times from init, i = std::integral_constant<std::size_t, 0 .. N-1>
/// (a hana::size_c); the value is the last state.
template <fixed_string S, std::size_t N, class Cell, class Init>
  requires operand<Init>
constexpr auto unroll(Cell&& cell, Init&& init) {
  namespace hana = boost::hana;
  using temporary = typename detail::first_temporary<Init&&>::type;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using V = detail::common_expr_value_t<std::remove_cvref_t<Init>>;
  return hana::fold_left(
      hana::make_range(hana::size_c<0>, hana::size_c<N>),
      detail::close<V>(std::forward<Init>(init)), [&](auto&& state, auto i) {
        using step = detail::unrolled_name<name_of<S>, decltype(i)::value>;
        auto next = cell(state, i);
        using E = decltype(next);
        return let_node<step, detail::closure_t<E&&, V>>{detail::close<V>(std::move(next))};
      });
}

}  // namespace tt

#endif  // TYPETAPE_LANGUAGE_OK
