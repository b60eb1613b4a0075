// The check half of the check-then-dispatch design: what a gradient() call asks
// (targets, sources, options) read as type lists, and the verdict, the first misuse
// as a diagnostic code and the offending type. tape/tape.hpp dispatches on it (its
// static_asserts name the code); this header asserts nothing.
#pragma once

#include <cstddef>
#include <limits>
#include <tuple>

#include "analysis.hpp"

namespace tt {
template <class... G>
struct output_gradients_t;

namespace detail {

/// Internal option: the target is known to be the recorded one (short form).
struct known_target_t {};

/// Internal policy of the short form: a non-persistent tape that borrows its
/// targets (they outlive the call) instead of copying them.
struct borrowed {};
/// The same for tt::value_and_gradient, whose forward pass always computes the targets'
/// values (the short form skips a sum over a fused region's, which it never reads).
struct borrowed_value {};
template <class Policy>
inline constexpr bool is_borrowed_v =
    std::is_same_v<Policy, borrowed> || std::is_same_v<Policy, borrowed_value>;
/// The policy of a tt::gradient_plan's tape: it holds copies of its targets (it outlives the
/// call that made it) and runs its forward pass again on every call, into the same records,
/// as the short form runs it (a target's value is not computed where nothing reads it).
struct planned {};
/// Does a tape of Policy run the short form's forward pass, which leaves unread values unset?
template <class Policy>
inline constexpr bool is_short_form_v =
    std::is_same_v<Policy, borrowed> || std::is_same_v<Policy, planned>;

// ---- sources -----------------------------------------------------------------------------
/// What a source is, when it cannot have a gradient: each kind has its own TT-E03 text.
enum class source_kind { ok, constant, number, plain_tensor, nested, integer, not_real, unnamed };

template <class V>
constexpr source_kind leaf_kind() {
  using E = elem_t<V>;
  if constexpr (std::is_floating_point_v<E>)
    return source_kind::ok;
  else if constexpr (std::is_integral_v<E>)
    return source_kind::integer;  // bool too
  else
    return source_kind::not_real;  // std::complex, a user type
}
template <class S>
inline constexpr bool is_std_tuple = false;
template <class... S>
inline constexpr bool is_std_tuple<std::tuple<S...>> = true;
template <class S>
constexpr source_kind value_kind() {
  if constexpr (number<S>)
    return source_kind::number;
  else if constexpr (tensor_operand<S>)
    return source_kind::plain_tensor;
  else if constexpr (is_std_tuple<S>)
    return source_kind::nested;
  else
    return source_kind::unnamed;
}
template <class S>
struct source_info {  // a plain number or tensor, a nested tuple, or an unnamed expression
  static constexpr source_kind kind = value_kind<S>();
  using name_type = S;
  // a plain tensor's gradient would be a tensor: the result keeps that type, so that the
  // TT-E03 is not followed by an error converting it
  using value_type = std::conditional_t<tensor_operand<S>, S, typename common_expr<void, S>::type>;
  using stored_type = S;
};
template <class T>
struct source_info<constant<T>> {
  static constexpr source_kind kind = source_kind::constant;
  using name_type = constant<T>;
  using value_type = T;
  using stored_type = constant<T>;
};
template <class S>
  requires requires { typename S::name_type; }
struct source_info<S> {  // variables, watched constants, lets
  static constexpr source_kind kind = leaf_kind<typename S::value_type>();
  using name_type = typename S::name_type;
  using value_type = typename S::value_type;
  using stored_type = closure_t<const S&>;  // as it stands in a tree
};

/// One source, or a std::tuple of them (the one set of source-list helpers: the tape,
/// the higher-order entry points and batch_gradient all read sources through it).
template <class S>
struct source_pack {
  static constexpr bool is_tuple = false;
  using list = tlist<std::remove_cvref_t<S>>;
  using infos = tlist<source_info<std::remove_cvref_t<S>>>;
};
template <class... S>
struct source_pack<std::tuple<S...>> {
  static constexpr bool is_tuple = true;
  using list = tlist<std::remove_cvref_t<S>...>;
  using infos = tlist<source_info<std::remove_cvref_t<S>>...>;
};
/// The names and value types of a list of (valid) sources.
template <class L>
struct names_and_values;
template <class... S>
struct names_and_values<tlist<S...>> {
  using names = tlist<typename S::name_type...>;
  using values = tlist<typename S::value_type...>;
  static constexpr std::size_t size = sizeof...(S);
};
template <class Sources>
using sources_of = names_and_values<typename source_pack<Sources>::list>;

// ---- targets -----------------------------------------------------------------------------
/// A target as the tape stores it (variables become references).
template <class T>
using stored_t = closure_t<const T&>;
template <class T>
TT_INLINE constexpr decltype(auto) as_stored(const T& t) {
  if constexpr (is_variable<T>)
    return close<void>(t);
  else
    return (t);
}

/// How a tape holds a target: a copy, or for the short form a reference.
template <class Policy, class T>
using holder_t =
    std::conditional_t<is_borrowed_v<Policy> && !is_variable<T>, const stored_t<T>&, stored_t<T>>;

template <class T>
struct target_pack {
  static constexpr bool is_tuple = false;
  using list = tlist<stored_t<T>>;
  TT_INLINE static auto refs(const T& t) {
    return std::tuple<decltype(as_stored(t))>(as_stored(t));
  }
};
template <class... T>
struct target_pack<std::tuple<T...>> {
  static constexpr bool is_tuple = true;
  using list = tlist<stored_t<std::remove_cvref_t<T>>...>;
  TT_INLINE static auto refs(const std::tuple<T...>& t) {
    return std::apply(
        [](const auto&... x) { return std::tuple<decltype(as_stored(x))...>(as_stored(x)...); }, t);
  }
};

// ---- options -----------------------------------------------------------------------------
template <class O>
inline constexpr bool is_output_gradients = false;
template <class... G>
inline constexpr bool is_output_gradients<output_gradients_t<G...>> = true;

template <class O>
inline constexpr std::size_t seed_count = 0;
template <class... G>
inline constexpr std::size_t seed_count<output_gradients_t<G...>> = sizeof...(G);

template <class... O>
struct options {
  static constexpr bool zero = (std::is_same_v<O, unconnected::zero_t> || ...);
  static constexpr bool known_target = (std::is_same_v<O, known_target_t> || ...);
  static constexpr std::size_t n_seed_sets = (std::size_t{is_output_gradients<O>} + ... + 0);
  static constexpr std::size_t n_seeds = (seed_count<O> + ... + 0);
};
template <class Info>
using info_name_t = typename Info::name_type;
template <class Info>
using info_value_t = typename Info::value_type;
template <class L, template <class> class F>
struct map_list;
template <class... X, template <class> class F>
struct map_list<tlist<X...>, F> {
  using type = tlist<F<X>...>;
};

// ---- the verdict: the first misuse, as a code and the offending type -----------------------
enum class code {
  ok,
  e01,
  e01_number,
  e02_stop,
  e02_int_cast,
  e02_extract,
  e02_piecewise,
  e02_compare,
  e03_constant,
  e03_number,
  e03_tensor,
  e03_nested,
  e03_integer,
  e03_not_real,
  e03_unnamed,
  e05,
  e07,
  e07_tensor,
  e07_count,
  e10
};

/// The E02 kind reported when several kinds cut a source: a fixed order.
constexpr code detached_code(unsigned r) {
  if (r & reach::stop) return code::e02_stop;
  if (r & reach::int_cast) return code::e02_int_cast;
  if (r & reach::extract) return code::e02_extract;
  if (r & reach::piecewise) return code::e02_piecewise;
  return code::e02_compare;
}

/// The named thing called N in a list of named things (void if none).
template <class N, class L>
struct named_called {
  using type = void;
};
template <class N, class X, class... R>
struct named_called<N, tlist<X, R...>> {
  using type = std::conditional_t<std::is_same_v<typename X::name_type, N>, X,
                                  typename named_called<N, tlist<R...>>::type>;
};

/// Is T a target of this tape: a recorded target, or a let recorded inside one?
template <class T, class Recorded, class Lets>
inline constexpr bool is_recorded_v = contains_v<T, Recorded> || contains_v<T, Lets>;

template <class Info, class... T>
constexpr unsigned reach_from(tlist<T...>) {
  return (0u | ... | reach_v<T, typename Info::name_type>);
}

/// The gradient's type: the sources' structure, with their value types.
template <class Sources, class Infos = typename source_pack<Sources>::infos>
struct result_of;
template <class Sources, class... I>
struct result_of<Sources, tlist<I...>> {
  using type =
      std::conditional_t<source_pack<Sources>::is_tuple, std::tuple<typename I::value_type...>,
                         typename at<0, tlist<I..., void>>::type::value_type>;
};
template <class Sources>
using result_t = typename result_of<Sources>::type;

template <class Recorded, class Lets, class Named, class Target, class Sources, class... Opts>
struct verdict {
  using targets = typename target_pack<Target>::list;
  using infos = typename source_pack<Sources>::infos;
  using opts = options<Opts...>;

  template <class... T>
  static constexpr std::size_t first_unrecorded(tlist<T...>) {
    constexpr bool ok[] = {is_recorded_v<T, Recorded, Lets>..., false};
    std::size_t i = 0;
    while (ok[i]) ++i;
    return i;
  }
  /// Does the source object have the type of the target's leaf of that name?
  template <class I>
  static constexpr bool same_thing() {
    using there = typename named_called<typename I::name_type, Named>::type;
    return std::is_void_v<there> || std::is_same_v<there, typename I::stored_type>;
  }
  template <class... I>
  static constexpr std::pair<code, std::size_t> sources(tlist<I...>) {
    const source_kind kinds[] = {I::kind..., source_kind::ok};
    const unsigned reaches[] = {reach_from<I>(targets{})..., 0u};
    const bool same[] = {same_thing<I>()..., true};
    for (std::size_t i = 0; i < sizeof...(I); ++i) {
      if (kinds[i] == source_kind::constant) return {code::e03_constant, i};
      if (kinds[i] == source_kind::number) return {code::e03_number, i};
      if (kinds[i] == source_kind::plain_tensor) return {code::e03_tensor, i};
      if (kinds[i] == source_kind::nested) return {code::e03_nested, i};
      if (kinds[i] == source_kind::integer) return {code::e03_integer, i};
      if (kinds[i] == source_kind::not_real) return {code::e03_not_real, i};
      if (kinds[i] == source_kind::unnamed) return {code::e03_unnamed, i};
      if (!same[i]) return {code::e10, i};
      if (!opts::zero && reaches[i] == 0) return {code::e01, i};
      if (!opts::zero && !(reaches[i] & reach::live)) return {code::e02_stop, i};
    }
    return {code::ok, 0};
  }
  static constexpr std::pair<code, std::size_t> find() {
    if (first_unrecorded(targets{}) < targets::size)
      return {code::e05, first_unrecorded(targets{})};
    if (target_pack<Target>::is_tuple && opts::n_seed_sets == 0) return {code::e07, 0};
    if (!target_pack<Target>::is_tuple && tensor_like<typename at_t<0, targets>::value_type> &&
        opts::n_seed_sets == 0)
      return {code::e07_tensor, 0};
    if (opts::n_seed_sets > 1 || (opts::n_seed_sets == 1 && opts::n_seeds != targets::size))
      return {code::e07_count, 0};
    return sources(infos{});
  }
  static constexpr code first_code = find().first;
  static constexpr std::size_t index = find().second;
  /// The code; an E02 is named after the kind of detaching node that cuts the source.
  static constexpr code value = [] {
    if constexpr (first_code == code::e02_stop)
      return detached_code(reach_from<at_t<index, infos>>(targets{}));
    else
      return first_code;
  }();

  template <class L, std::size_t I, bool = (I < L::size)>
  struct pick {
    using type = void;
  };
  template <class L, std::size_t I>
  struct pick<L, I, true> {
    using type = at_t<I, L>;
  };
  /// What the static_assert prints: the source's name, or the target's type.
  using offender = std::conditional_t<
      value == code::e05, typename pick<targets, index>::type,
      std::conditional_t<
          value == code::e07 || value == code::e07_tensor || value == code::e07_count, Target,
          typename pick<typename map_list<infos, info_name_t>::type, index>::type>>;
  using result = result_t<Sources>;
};

}  // namespace detail
}  // namespace tt
