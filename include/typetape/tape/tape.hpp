// The tape: records targets (one forward pass, values kept in a fixed-size
// structure known at compile time), and runs backward passes on request.
//
//   auto t = tt::record(loss);                        // non-persistent (default)
//   double g = std::move(t).gradient(loss, x);        // consumes the tape
//   auto p = tt::record<tt::persistent>(y, z);        // any number of gradients
//   auto [gx, gy] = p.gradient(z, std::tie(x, y));    // same structure as the sources
//   double g2 = tt::gradient(loss, x);                // short form: record + consume
#pragma once

#include <cstddef>
#include <limits>
#include <tuple>

#include "../core/analysis.hpp"

namespace tt {

/// Weights for the targets of a non-scalar (tuple) target, one per target
/// (TensorFlow's output_gradients). Without it such a target is TT-E07. A weight
/// passed as an lvalue is held by reference (a tensor weight is not copied), one
/// passed as a temporary by value.
template <class... G>
struct output_gradients_t {
  std::tuple<G...> seeds;
};
template <class... G>
constexpr output_gradients_t<G...> output_gradients(G&&... g) {
  return {{std::forward<G>(g)...}};
}

namespace detail {

/// Internal option: the target is known to be the recorded one (short form).
struct known_target_t {};

/// Internal policy of the short form: a non-persistent tape that borrows its
/// targets (they outlive the call) instead of copying them.
struct borrowed {};

// ---- sources -----------------------------------------------------------------------------
enum class source_kind { ok, constant, integer, unnamed };

template <class V>
constexpr source_kind leaf_kind() {
  return std::is_floating_point_v<elem_t<V>> ? source_kind::ok : source_kind::integer;
}
template <class S>
struct source_info {  // a plain number or an unnamed expression
  static constexpr source_kind kind = number<S> ? source_kind::constant : source_kind::unnamed;
  using name_type = S;
  using value_type = typename common_expr<void, S>::type;
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

template <class S>
struct source_pack {
  static constexpr bool is_tuple = false;
  using infos = tlist<source_info<std::remove_cvref_t<S>>>;
};
template <class... S>
struct source_pack<std::tuple<S...>> {
  static constexpr bool is_tuple = true;
  using infos = tlist<source_info<std::remove_cvref_t<S>>...>;
};

// ---- targets -----------------------------------------------------------------------------
/// A target as the tape stores it (variables become references).
template <class T>
using stored_t = closure_t<const T&>;
template <class T>
TT_INLINE constexpr decltype(auto) as_stored(const T& t) {
  if constexpr (is_variable<T>) return close<void>(t);
  else return (t);
}

/// How a tape holds a target: a copy, or for the short form a reference.
template <class Policy, class T>
using holder_t = std::conditional_t<std::is_same_v<Policy, borrowed> && !is_variable<T>,
                                    const stored_t<T>&, stored_t<T>>;

template <class T>
struct target_pack {
  static constexpr bool is_tuple = false;
  using list = tlist<stored_t<T>>;
  TT_INLINE static auto refs(const T& t) { return std::tuple<decltype(as_stored(t))>(as_stored(t)); }
};
template <class... T>
struct target_pack<std::tuple<T...>> {
  static constexpr bool is_tuple = true;
  using list = tlist<stored_t<std::remove_cvref_t<T>>...>;
  TT_INLINE static auto refs(const std::tuple<T...>& t) {
    return std::apply([](const auto&... x) { return std::tuple<decltype(as_stored(x))...>(as_stored(x)...); }, t);
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
template <class O>
  requires is_output_gradients<O>
constexpr const auto& seeds_of(const O& o) {
  return o.seeds;
}

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
  ok, e01, e01_number, e02_stop, e02_int_cast, e02_extract, e02_piecewise, e02_compare,
  e03_constant, e03_integer, e03_unnamed, e05, e07, e07_tensor, e07_count, e10
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
  using type = std::conditional_t<source_pack<Sources>::is_tuple, std::tuple<typename I::value_type...>,
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
      if (kinds[i] == source_kind::integer) return {code::e03_integer, i};
      if (kinds[i] == source_kind::unnamed) return {code::e03_unnamed, i};
      if (!same[i]) return {code::e10, i};
      if (!opts::zero && reaches[i] == 0) return {code::e01, i};
      if (!opts::zero && !(reaches[i] & reach::live)) return {code::e02_stop, i};
    }
    return {code::ok, 0};
  }
  static constexpr std::pair<code, std::size_t> find() {
    if (first_unrecorded(targets{}) < targets::size) return {code::e05, first_unrecorded(targets{})};
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
      std::conditional_t<value == code::e07 || value == code::e07_tensor || value == code::e07_count, Target,
                         typename pick<typename map_list<infos, info_name_t>::type, index>::type>>;
  using result = result_t<Sources>;
};

// ---- backward-pass context: adjoints of the wanted sources and of the lets needed ---------
/// a += g for tensor adjoints of one shape: in place when both are dense (xtensor's
/// own += evaluates into a temporary first).
template <class A, class G>
void add_into(A& a, const G& g) {
  check_same_shape("adjoint accumulation", a, g);
  if constexpr (is_dense_tensor<A> && is_dense_tensor<std::remove_cvref_t<G>>) {
    auto* p = a.data();
    const auto* q = g.data();
    for (std::size_t i = 0, n = a.size(); i < n; ++i) p[i] += q[i];
  } else {
    a += g;
  }
}

template <class Wanted, class Names, class Values>
struct bwd_ctx;
/// The value adjoints start from. For floating point it is -0.0, not +0.0: x + (-0.0)
/// is x for every x, so the compiler drops the first addition into each adjoint,
/// as a hand-written gradient has none (x + 0.0 is not x when x is -0.0).
template <class V>
constexpr V adjoint_zero() {
  if constexpr (std::is_floating_point_v<V>) return V(-0.0);
  else return V{};
}

template <class Wanted, class... N, class... V>
struct bwd_ctx<Wanted, tlist<N...>, tlist<V...>> {
  using wanted_names = Wanted;
  using names = tlist<N...>;
  std::tuple<V...> adj{adjoint_zero<V>()...};
  /// Which tensor adjoints hold a value yet (the first one is moved in, not added).
  bool started[sizeof...(V) + 1] = {};

  template <class Kid>
  static constexpr bool wants = wants_v<Kid, Wanted>;
  template <class Name, class G>
  TT_INLINE constexpr void accumulate(G&& g) {
    if constexpr (contains_v<Name, tlist<N...>>) {
      constexpr std::size_t i = index_of_v<Name, tlist<N...>>;
      auto& a = std::get<i>(adj);
      if constexpr (tensor_like<std::remove_cvref_t<decltype(a)>>) {
        if (!started[i]) {
          a = std::forward<G>(g);
          started[i] = true;
        } else {
          add_into(a, g);
        }
      } else {
        a += g;
      }
    }
  }
  /// Element `flat` of a tensor adjoint += g (tt::at in a loop); `like` gives its shape.
  template <class Name, class G, class Like>
  TT_INLINE void accumulate_element(std::size_t flat, const G& g, const Like& like) {
    if constexpr (contains_v<Name, tlist<N...>>) element_buffer<Name>(like)[flat] += g;
  }
  /// The elements of the tensor adjoint of Name (zeros until something is added; shaped
  /// like `like`), for a loop to add to in place; null if Name is not tracked here.
  template <class Name, class Like>
  TT_INLINE auto* element_buffer(const Like& like) {
    using E = std::remove_cvref_t<decltype(*like.data())>;
    if constexpr (contains_v<Name, tlist<N...>>) {
      constexpr std::size_t i = index_of_v<Name, tlist<N...>>;
      auto& a = std::get<i>(adj);
      if (!started[i]) {
        a = zeros_like(like);
        started[i] = true;
      }
      return static_cast<E*>(a.data());
    } else {
      return static_cast<E*>(nullptr);
    }
  }
  template <class Name>
  TT_INLINE constexpr auto& get() {
    return std::get<index_of_v<Name, tlist<N...>>>(adj);
  }
  /// Has the adjoint of Name received anything (always true for scalars, which start at -0)?
  template <class Name>
  TT_INLINE constexpr bool has() const {
    constexpr std::size_t i = index_of_v<Name, tlist<N...>>;
    if constexpr (tensor_like<std::remove_cvref_t<decltype(std::get<i>(adj))>>) return started[i];
    else return true;
  }
};


template <class Lets>
struct let_slots;
template <class... L>
struct let_slots<tlist<L...>> {
  using names = tlist<typename L::name_type...>;
  std::tuple<typename L::body_type::record...> recs{};
};
template <class Slots>
struct fwd_ctx {
  const Slots& slots;
  template <class Name>
  TT_INLINE constexpr const auto& let_value() const {
    return val(std::get<index_of_v<Name, typename Slots::names>>(slots.recs));
  }
};

template <class L>
using let_value_t = typename L::value_type;

/// The lets of L whose names are not in Names.
template <class L, class Names>
struct lets_not_named;
template <class... L, class Names>
struct lets_not_named<tlist<L...>, Names> {
  using type = typename concat<
      std::conditional_t<contains_v<typename L::name_type, Names>, tlist<>, tlist<L>>...>::type;
};

/// The lets a backward pass must run: reached by a differentiable path from one of
/// the requested targets (so their adjoint is a real one), and leading to a
/// requested source. Any other let is skipped: its adjoint would stay 0 and its
/// backward pass could only turn 0 * inf into NaN.
template <class Lets, class Targets, class Wanted>
struct processed_lets;
template <class... L, class Targets, class Wanted>
struct processed_lets<tlist<L...>, Targets, Wanted> {
  template <class X, class... T>
  static constexpr bool live_from(tlist<T...>) {
    return ((reach_v<T, typename X::name_type> & reach::live) || ...);
  }
  using type = typename concat<std::conditional_t<
      live_from<L>(Targets{}) && wants_v<typename L::body_type, Wanted>, tlist<L>, tlist<>>...>::type;
};

}  // namespace detail

/// Records targets once; gradients use the values at recording.
///  - tape<non_persistent, ...> (the default): gradient() only on an rvalue, once;
///    it releases the recording. A second use is -Werror=consumed on clang and
///    tt::consumed_tape_error at run time; an lvalue call is TT-E04.
///  - tape<persistent, ...>: gradient() any number of times.
template <class Policy, class... Targets>
class TT_CONSUMABLE(unconsumed) tape {
  static_assert(std::is_same_v<Policy, persistent> || std::is_same_v<Policy, non_persistent> ||
                std::is_same_v<Policy, detail::borrowed>);
  using stored = detail::tlist<detail::stored_t<Targets>...>;
  using lets = detail::lets_t<detail::stored_t<Targets>...>;
  using named = detail::named_t<detail::stored_t<Targets>...>;
  static constexpr bool is_persistent = std::is_same_v<Policy, persistent>;
  using clash = typename detail::clashing_name<named>::type;
  template <class... E>
  using temporary_in = typename detail::first_temporary<E...>::type;
  friend struct gradient_t;

 public:
  using policy = Policy;
  /// TT-E05 as a trait: is T a target of this tape (a recorded target's type, or a
  /// let recorded inside one)? See tt::recorded_on.
  template <class T>
  static constexpr bool records = detail::is_recorded_v<detail::stored_t<T>, stored, lets>;

  template <class... E>
    requires(sizeof...(E) == sizeof...(Targets) && (expression<E> && ...))
  TT_RETURN_TYPESTATE(unconsumed) TT_INLINE explicit tape(E&&... e)
      : targets_(detail::as_stored(e)...) {
    using temporary = temporary_in<E&&...>;  // void if none
    static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
    static_assert(diag::name_is_unique<clash, std::is_void_v<clash>>, TT_E10);
    if constexpr (std::is_void_v<clash>) {
      check_names();
      forward();
    }
  }

  tape(const tape&) requires is_persistent = default;
  tape& operator=(const tape&) requires is_persistent = default;
  TT_RETURN_TYPESTATE(unconsumed) tape(tape&& o) noexcept
      : targets_(std::move(o.targets_)), slots_(std::move(o.slots_)), recs_(std::move(o.recs_)),
        consumed_(o.consumed_) {
    o.consumed_ = true;
  }

  /// Gradient of target (a recorded target, or a tuple of them with
  /// tt::output_gradients) w.r.t. sources (one source, or a tuple of sources);
  /// returns the same structure. Consumes a non-persistent tape.
  template <class Target, class Sources, class... Opts>
  TT_CALLABLE_WHEN("unconsumed", "unknown") TT_SET_TYPESTATE(consumed)
  TT_INLINE auto gradient(const Target& target, const Sources& sources, const Opts&... opts) &&
    requires(!is_persistent)
  {
    auto result = checked_gradient(target, sources, opts...);
    release();
    return result;
  }
  template <class Target, class Sources, class... Opts>
  TT_INLINE auto gradient(const Target& target, const Sources& sources, const Opts&... opts) const&
    requires is_persistent
  {
    return checked_gradient(target, sources, opts...);
  }
  /// TT-E04: a non-persistent tape's gradient() consumes it, so it needs an rvalue.
  template <class Target, class Sources, class... Opts>
  auto gradient(const Target&, const Sources&, const Opts&...) const&
    requires(!is_persistent)
  {
    static_assert(diag::tape_is_persistent_or_an_rvalue<tape, false>, TT_E04);
    return detail::result_t<Sources>{};
  }

  /// The recorded value of the only target.
  TT_CALLABLE_WHEN("unconsumed", "unknown") auto value() const
    requires(sizeof...(Targets) == 1)
  {
    if (consumed_) throw consumed_tape_error{};
    return detail::val(std::get<0>(recs_));
  }

 private:
  template <class Target, class Sources, class... Opts>
  TT_INLINE auto checked_gradient(const Target& target, const Sources& sources, const Opts&... opts) const {
    using V = detail::verdict<stored, lets, named, Target, Sources, Opts...>;
    using R = typename V::result;
    using O = typename V::offender;
    using c = detail::code;
    if constexpr (!std::is_void_v<clash>) {
      return R{};  // TT-E10, reported when the tape was recorded
    } else if constexpr (V::value == c::e05) {
      static_assert(diag::target_was_recorded_on_this_tape<O, false>, TT_E05);
      return R{};
    } else if constexpr (V::value == c::e07) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07);
      return R{};
    } else if constexpr (V::value == c::e07_tensor) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_TENSOR);
      return R{};
    } else if constexpr (V::value == c::e07_count) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_COUNT);
      return R{};
    } else if constexpr (V::value == c::e03_constant) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_CONSTANT);
      return R{};
    } else if constexpr (V::value == c::e03_integer) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_INTEGER);
      return R{};
    } else if constexpr (V::value == c::e03_unnamed) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_UNNAMED);
      return R{};
    } else if constexpr (V::value == c::e10) {
      static_assert(diag::name_is_unique<O, false>, TT_E10_SOURCE);
      return R{};
    } else if constexpr (V::value == c::e01) {
      static_assert(diag::target_uses_source<O, false>, TT_E01);
      return R{};
    } else if constexpr (V::value == c::e02_stop) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_STOP);
      return R{};
    } else if constexpr (V::value == c::e02_int_cast) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_INT_CAST);
      return R{};
    } else if constexpr (V::value == c::e02_extract) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_EXTRACT);
      return R{};
    } else if constexpr (V::value == c::e02_piecewise) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_PIECEWISE);
      return R{};
    } else if constexpr (V::value == c::e02_compare) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_COMPARE);
      return R{};
    } else {
      if (consumed_) throw consumed_tape_error{};
      return backward<V>(target, sources, opts...);
    }
  }

  /// Post-order forward pass: the lets (each once, dependencies first), then the targets.
  TT_INLINE void forward() {
    const detail::fwd_ctx<slots_t> ctx{slots_};
    detail::static_for<lets::size>([&](auto i) TT_INLINE_LAMBDA {
      using L = detail::at_t<i, lets>;
      detail::find_let_in<typename L::name_type>(targets_).body.forward(std::get<i>(slots_.recs), ctx);
    });
    detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
      using T = detail::at_t<i, stored>;
      // the short form never reads a target's value: a sum over a fused region then
      // runs once, in the backward pass, instead of twice
      if constexpr (std::is_same_v<Policy, detail::borrowed> && detail::sums_region_v<T>)
        std::get<i>(targets_).forward_inputs(std::get<i>(recs_), ctx);
      else
        std::get<i>(targets_).forward(std::get<i>(recs_), ctx);
    });
  }

  /// TT-E10 at run time: one name, two objects (two variables, or two lets that
  /// differ in their constants or leaves).
  TT_INLINE void check_names() const {
    detail::static_for<named::size>([&](auto i) TT_INLINE_LAMBDA {
      using X = detail::at_t<i, named>;
      const X* first = nullptr;
      auto check = [&](const auto& x) TT_INLINE_LAMBDA {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, X>) {
          if (first == nullptr) first = &x;
          else if (!detail::same_tree(*first, x)) detail::throw_name_clash(X::name_type::view());
        }
      };
      auto visit = [&](const auto& t) TT_INLINE_LAMBDA { detail::for_each_named(t, check); };
      detail::for_each_element(targets_, visit);
    });
  }

  /// Index of the recorded target that `t` is (TT-E05 at run time if none). The
  /// short form knows: it recorded its K-th target as the K-th.
  template <bool Known, std::size_t K, class T>
  TT_INLINE std::size_t locate(const T& t) const {
    if constexpr (Known) {
      return K;
    } else {
      std::size_t found = std::numeric_limits<std::size_t>::max();
      detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
        if constexpr (std::is_same_v<T, detail::at_t<i, stored>>)
          if (found == std::numeric_limits<std::size_t>::max() && detail::same_tree(std::get<i>(targets_), t))
            found = i;
      });
      if (found == std::numeric_limits<std::size_t>::max()) throw unrecorded_target_error{};
      return found;
    }
  }

  /// TT-E10 at run time: the source object must be the one the targets use under
  /// its name (another variable with the same name would silently get its gradient).
  template <class S>
  TT_INLINE void check_source(const S& s) const {
    using X = detail::closure_t<const S&>;
    if constexpr (detail::contains_v<X, named>) {
      const auto& probe = detail::as_stored(s);
      bool same = true, seen = false;
      auto check = [&](const auto& x) TT_INLINE_LAMBDA {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, X>) {
          if (!seen) same = detail::same_tree(x, probe);
          seen = true;
        }
      };
      auto visit = [&](const auto& t) TT_INLINE_LAMBDA { detail::for_each_named(t, check); };
      detail::for_each_element(targets_, visit);
      if (!same) detail::throw_name_clash(X::name_type::view(), TT_E10_RUNTIME_SOURCE);
    }
  }

  template <class V, class Target, class Sources, class... Opts>
  TT_INLINE auto backward(const Target& target, const Sources& sources, const Opts&... opts) const {
    using tp = detail::target_pack<Target>;
    using infos = typename V::infos;
    using wanted = typename detail::map_list<infos, detail::info_name_t>::type;
    using processed = typename detail::processed_lets<lets, typename tp::list, wanted>::type;
    using let_names = typename detail::names_of<processed>::type;
    using extra_lets = typename detail::lets_not_named<processed, wanted>::type;  // their own slots
    using ctx_t = detail::bwd_ctx<
        wanted, typename detail::concat<wanted, typename detail::names_of<extra_lets>::type>::type,
        typename detail::concat<typename detail::map_list<infos, detail::info_value_t>::type,
                                typename detail::map_list<extra_lets, detail::let_value_t>::type>::type>;
    ctx_t ctx{};

    // Each source must be the object the targets use under its name.
    if constexpr (detail::source_pack<Sources>::is_tuple) {
      auto each = [&](const auto& src) TT_INLINE_LAMBDA { check_source(src); };
      detail::for_each_element(sources, each);
    } else {
      check_source(sources);
    }

    const auto refs = tp::refs(target);
    detail::static_for<tp::list::size>([&](auto k) TT_INLINE_LAMBDA {
      using T = detail::at_t<k, typename tp::list>;
      decltype(auto) seed = seed_for<k, typename T::value_type>(opts...);
      if constexpr (detail::contains_v<T, stored>) {
        const std::size_t idx = locate<detail::options<Opts...>::known_target, k>(std::get<k>(refs));
        if constexpr (ctx_t::template wants<T>) {
          detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
            if constexpr (std::is_same_v<T, detail::at_t<i, stored>>)
              if (i == idx) {
                if constexpr (tensor_like<typename T::value_type>)
                  detail::check_same_shape("output_gradients", detail::val(std::get<i>(recs_)), seed);
                std::get<i>(targets_).backward(std::get<i>(recs_), seed, ctx);
              }
          });
        }
      } else {  // a let recorded inside a target: seed its adjoint
        using N = typename T::name_type;
        if (!detail::same_tree(detail::find_let_in<N>(targets_), std::get<k>(refs)))
          throw unrecorded_target_error{};
        if constexpr (tensor_like<typename T::value_type>)
          detail::check_same_shape("output_gradients", detail::val(std::get<detail::index_of_v<T, lets>>(slots_.recs)), seed);
        ctx.template accumulate<N>(typename T::value_type(seed));
      }
    });
    // The lets, each after every use of it has been accumulated (reverse forward order).
    detail::static_for<lets::size>([&](auto j) TT_INLINE_LAMBDA {
      constexpr std::size_t li = lets::size - 1 - j;
      using L = detail::at_t<li, lets>;
      using N = typename L::name_type;
      if constexpr (detail::contains_v<N, let_names>)
        detail::find_let_in<N>(targets_).body.backward(std::get<li>(slots_.recs), ctx.template get<N>(), ctx);
    });
    // A source no differentiable path reaches (tt::unconnected::zero) gets +0.
    auto result = [&]<class I>(I*, const auto& src) TT_INLINE_LAMBDA -> typename I::value_type {
      using N = typename I::name_type;
      using Val = typename I::value_type;
      if constexpr ((detail::reach_from<I>(typename tp::list{}) & detail::reach::live) != 0) {
        if constexpr (tensor_like<Val>) {
          // live, but nothing reached it at run time (a scan of zero steps): zeros
          if (!ctx.template has<N>()) return detail::zeros_like(source_value(src));
        }
        if constexpr (tensor_like<Val> && detail::count_v<N, wanted> == 1)
          return std::move(ctx.template get<N>());  // each tensor adjoint is handed out once
        else
          return ctx.template get<N>();
      } else if constexpr (tensor_like<Val>) {
        return detail::zeros_like(source_value(src));
      } else {
        return Val{};
      }
    };
    if constexpr (detail::source_pack<Sources>::is_tuple) {
      return [&]<class... I, std::size_t... J>(detail::tlist<I...>, std::index_sequence<J...>) TT_INLINE_LAMBDA {
        return std::tuple<typename I::value_type...>(result(static_cast<I*>(nullptr), std::get<J>(sources))...);
      }(infos{}, std::make_index_sequence<infos::size>{});
    } else {
      return result(static_cast<detail::at_t<0, infos>*>(nullptr), sources);
    }
  }

  /// The weight of target K: 1, or its output_gradients weight (a tensor one by
  /// reference: a tensor target always has output_gradients, E07).
  template <std::size_t K, class S, class O, class... Opts>
  TT_INLINE static decltype(auto) seed_for(const O& o, const Opts&... opts) {
    if constexpr (detail::is_output_gradients<O>) {
      if constexpr (tensor_like<S>) return static_cast<const std::remove_cvref_t<decltype(std::get<K>(o.seeds))>&>(std::get<K>(o.seeds));
      else return static_cast<S>(std::get<K>(o.seeds));
    } else {
      return seed_for<K, S>(opts...);
    }
  }
  template <std::size_t K, class S>
  TT_INLINE static S seed_for() {
    return S(1);
  }

  /// The value of a source as this tape recorded it (for the shape of a zero gradient).
  template <class S>
  const auto& source_value(const S& s) const {
    if constexpr (requires { s.get(); }) return s.get();          // a variable
    else if constexpr (requires { s.p->get(); }) return s.p->get();  // a watched tensor constant
    else if constexpr (requires { s.p->v; }) return s.p->v;       // a watched constant
    else return detail::val(std::get<detail::index_of_v<detail::stored_t<S>, lets>>(slots_.recs));  // a let
  }

  TT_INLINE void release() {
    consumed_ = true;
    recs_ = {};
    slots_ = {};
  }

  using slots_t = detail::let_slots<lets>;
  std::tuple<detail::holder_t<Policy, Targets>...> targets_;
  slots_t slots_{};
  std::tuple<typename detail::stored_t<Targets>::record...> recs_{};
  bool consumed_ = false;
};

template <class... E>
tape(E&&...) -> tape<non_persistent, std::remove_cvref_t<E>...>;

/// TT-E05: is Target (by type) a target of a tape of type Tape? A target of the
/// recorded type that is another expression is TT-E05 at run time.
template <class Tape, class Target>
inline constexpr bool recorded_on = std::remove_cvref_t<Tape>::template records<std::remove_cvref_t<Target>>;

/// TT-E07: does gradient() of Target need tt::output_gradients (a tuple of targets)?
template <class Target>
inline constexpr bool needs_output_gradients = detail::target_pack<std::remove_cvref_t<Target>>::is_tuple;

/// Records targets on a new tape: `tt::record(y)`, `tt::record<tt::persistent>(y, z)`.
template <class Policy = non_persistent, class... E>
  requires(expression<E> && ...)
TT_RETURN_TYPESTATE(unconsumed) TT_INLINE auto record(E&&... e) {
  return tape<Policy, std::remove_cvref_t<E>...>(std::forward<E>(e)...);
}

/// The short form: records target, takes its gradient, releases the recording.
struct gradient_t {
  template <class Target, class Sources, class... Opts>
  TT_INLINE auto operator()(const Target& target, const Sources& sources, const Opts&... opts) const {
    constexpr detail::known_target_t known{};
    if constexpr (!expression<Target> && !detail::target_pack<Target>::is_tuple) {
      // the note names the (first) source the plain-number target cannot reach
      using first = detail::at_t<0, typename detail::source_pack<Sources>::infos>;
      static_assert(diag::target_is_an_expression_of<typename first::name_type, false>, TT_E01_NUMBER);
      return detail::result_t<Sources>{};
    } else if constexpr (detail::target_pack<Target>::is_tuple)
      return std::apply(
                 [](const auto&... t) TT_INLINE_LAMBDA {
                   return tape<detail::borrowed, std::remove_cvref_t<decltype(t)>...>(t...);
                 },
                 target)
          .checked_gradient(target, sources, opts..., known);
    else
      return tape<detail::borrowed, Target>(target).checked_gradient(target, sources, opts..., known);
  }
};
inline constexpr gradient_t gradient{};

template <class E>
  requires expression<E>
auto eval(const E& e) {
  return record(e).value();
}

}  // namespace tt
