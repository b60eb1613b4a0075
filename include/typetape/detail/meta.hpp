// Small compile-time utilities: names carried as character packs, type lists.
// Kept deliberately tiny (no Hana here): these run on every expression type a
// user builds, so their cost is paid on every translation unit.
#pragma once

#include <cstddef>
#include <tuple>
#include <string_view>
#include <type_traits>
#include <utility>

// The forward and backward passes of a scalar expression must become one
// straight-line function, as a hand-written gradient is: the passes are spread
// over many tiny templates, and a compiler's inlining budget gives out before
// the tree ends. (Eigen does the same with EIGEN_STRONG_INLINE.)
#if defined(__GNUC__) || defined(__clang__)
#define TT_INLINE [[gnu::always_inline]] inline
#define TT_INLINE_LAMBDA __attribute__((always_inline))
#define TT_NOINLINE [[gnu::noinline]]
#else
#define TT_INLINE inline
#define TT_INLINE_LAMBDA
#define TT_NOINLINE
#endif

namespace tt {

/// A string usable as a template argument: `variable<"x">`.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) noexcept {  // NOLINT: implicit on purpose
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  static constexpr std::size_t size() noexcept { return N - 1; }
};

/// A compile-time name as a character pack. Both g++ and clang print
/// `tt::name<'x'>` in diagnostics, which is why names travel in this form
/// (clang 14 prints class-type template arguments as raw numbers).
template <char... C>
struct name {
  static constexpr char chars[] = {C..., '\0'};
  static constexpr std::string_view view() noexcept { return {chars, sizeof...(C)}; }
};

namespace detail {
/// a + b, one name from two: a layer's and ".W", a let's and "#" with its hash.
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> joined_name(const fixed_string<N>& a, const char (&b)[M]) {
  char s[N + M - 1]{};
  for (std::size_t i = 0; i + 1 < N; ++i) s[i] = a.chars[i];
  for (std::size_t i = 0; i < M; ++i) s[N - 1 + i] = b[i];
  return fixed_string<N + M - 1>(s);
}
template <fixed_string S, std::size_t... I>
name<S.chars[I]...> make_name(std::index_sequence<I...>);
}  // namespace detail

/// `name_of<"x">` is `name<'x'>`.
template <fixed_string S>
using name_of = decltype(detail::make_name<S>(std::make_index_sequence<S.size()>{}));

namespace detail {

template <class... T>
struct tlist {
  static constexpr std::size_t size = sizeof...(T);
};

template <class T, class L>
struct index_of;
template <class T, class... U>
struct index_of<T, tlist<U...>> {
  static constexpr std::size_t value = [] {
    constexpr bool hit[] = {std::is_same_v<T, U>..., false};
    std::size_t i = 0;
    while (i < sizeof...(U) && !hit[i]) ++i;
    return i;  // == size when absent
  }();
};
template <class T, class L>
inline constexpr std::size_t index_of_v = index_of<T, L>::value;
template <class T, class L>
inline constexpr bool contains_v = index_of_v<T, L> < L::size;
/// How many times T is in the list.
template <class T, class L>
inline constexpr std::size_t count_v = 0;
template <class T, class... U>
inline constexpr std::size_t count_v<T, tlist<U...>> = (std::size_t{std::is_same_v<T, U>} + ... +
                                                        0);

template <class L, class T>
struct push_unique;
template <class... U, class T>
struct push_unique<tlist<U...>, T> {
  using type = std::conditional_t<(std::is_same_v<T, U> || ...), tlist<U...>, tlist<U..., T>>;
};

template <std::size_t I, class L>
struct at;
template <std::size_t I, class H, class... T>
struct at<I, tlist<H, T...>> : at<I - 1, tlist<T...>> {};
template <class H, class... T>
struct at<0, tlist<H, T...>> {
  using type = H;
};
template <std::size_t I, class L>
using at_t = typename at<I, L>::type;

template <class... L>
struct concat;
template <>
struct concat<> {
  using type = tlist<>;
};
template <class... A>
struct concat<tlist<A...>> {
  using type = tlist<A...>;
};
template <class... A, class... B, class... R>
struct concat<tlist<A...>, tlist<B...>, R...> : concat<tlist<A..., B...>, R...> {};

/// A flat pack: element I is a base of its own, so that reading it needs no recursion
/// (std::tuple nests one level per element: 1024 terms would exceed the template depth).
template <std::size_t I, class T>
struct pack_leaf {
  T v;
};
template <class Seq, class... T>
struct flat_pack;
template <std::size_t... I, class... T>
struct flat_pack<std::index_sequence<I...>, T...> : pack_leaf<I, T>... {};
template <std::size_t I, class T>
T& pack_get(pack_leaf<I, T>& l) {
  return l.v;
}
template <std::size_t I, class T>
T pack_type(const pack_leaf<I, T>*);
/// Type I of a pack, without recursion.
template <std::size_t I, class... A>
using pack_at = typename decltype(pack_type<I>(
    static_cast<const flat_pack<std::index_sequence_for<A...>, std::type_identity<A>...>*>(
        nullptr)))::type;
/// The first index whose flag is set (n if none), and whether all are.
template <std::size_t N>
constexpr std::size_t first_set(const bool (&b)[N]) {
  std::size_t i = 0;
  while (i < N && !b[i]) ++i;
  return i;
}
/// Are all B true (a loop, not a fold: clang caps fold expressions at 256 operands)?
template <bool... B>
inline constexpr bool all_v = [] {
  constexpr bool b[] = {B..., true};
  for (bool x : b)
    if (!x) return false;
  return true;
}();

/// Calls f(std::integral_constant<std::size_t, I>{}) for I in [0, N).
/// f(element) for each element of a tuple (std::apply goes through
/// std::__invoke, which compilers do not always inline).
template <class Tuple, class F>
TT_INLINE constexpr void for_each_element(Tuple& t, F& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) TT_INLINE_LAMBDA { (f(std::get<I>(t)), ...); }
  (std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<Tuple>>>{});
}

template <class F, std::size_t... I>
TT_INLINE constexpr void static_for_impl(F& f, std::index_sequence<I...>) {
  (f(std::integral_constant<std::size_t, I>{}), ...);
}
template <std::size_t N, class F>
TT_INLINE constexpr void static_for(F&& f) {
  static_for_impl(f, std::make_index_sequence<N>{});
}

}  // namespace detail
}  // namespace tt
