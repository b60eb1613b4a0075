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

#include "../detail/contexts.hpp"
#include "../detail/verdict.hpp"

namespace tt {

namespace detail {
/// What the short form returns: the gradient (tt::gradient), the value with it
/// (tt::value_and_gradient), or nothing, the gradient written into the caller's storage
/// (tt::gradient_into).
enum class gradient_mode { gradient, value, into, plan };
}  // namespace detail

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

/// Records targets once; gradients use the values at recording.
///  - tape<non_persistent, ...> (the default): gradient() only on an rvalue, once;
///    it releases the recording. A second use is -Werror=consumed on clang and
///    tt::consumed_tape_error at run time; an lvalue call is TT-E04.
///  - tape<persistent, ...>: gradient() any number of times.
template <class Policy, class... Targets>
class TT_CONSUMABLE(unconsumed) tape {
  static_assert(std::is_same_v<Policy, persistent> || std::is_same_v<Policy, non_persistent> ||
                    detail::is_borrowed_v<Policy> || std::is_same_v<Policy, detail::planned>,
                TT_E15_TAPE_POLICY);
  using stored = detail::tlist<detail::stored_t<Targets>...>;
  using lets = detail::lets_t<detail::stored_t<Targets>...>;
  using named = detail::named_t<detail::stored_t<Targets>...>;
  static constexpr bool is_persistent = std::is_same_v<Policy, persistent>;
  using clash = typename detail::clashing_name<named>::type;
  template <class... E>
  using temporary_in = typename detail::first_temporary<E...>::type;
  template <detail::gradient_mode>
  friend struct gradient_t;
  template <class, class, class, class...>
  friend class gradient_plan;

 public:
  using policy = Policy;
  /// TT-E05 as a trait: is T a target of this tape (a recorded target's type, or a
  /// let recorded inside one)? See tt::recorded_on.
  template <class T>
  static constexpr bool records = detail::is_recorded_v<detail::stored_t<T>, stored, lets>;

  template <class... E>
    requires(sizeof...(E) == sizeof...(Targets) && (expression<E> && ...))
  TT_RETURN_TYPESTATE(unconsumed)
  TT_INLINE explicit tape(E&&... e) : targets_(detail::as_stored(e)...) {
    using temporary = temporary_in<E&&...>;  // void if none
    static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
    static_assert(diag::name_is_unique<clash, std::is_void_v<clash>>, TT_E10);
    if constexpr (std::is_void_v<clash>) {
      check_names();
      if constexpr (!std::is_same_v<Policy, detail::planned>) forward();  // a plan's: each call
    }
  }

  tape(const tape&) requires is_persistent = default;
  tape& operator=(const tape&) requires is_persistent = default;
  TT_RETURN_TYPESTATE(unconsumed)
  tape(tape&& o) noexcept requires(!detail::is_borrowed_v<Policy>)  // lets' records inline
      : targets_(std::move(o.targets_)),
        slots_(std::move(o.slots_)),
        recs_(std::move(o.recs_)),
        consumed_(o.consumed_) {
    o.consumed_ = true;
  }

  /// Gradient of target (a recorded target, or a tuple of them with
  /// tt::output_gradients) w.r.t. sources (one source, or a tuple of sources);
  /// returns the same structure. Consumes a non-persistent tape.
  template <class Target, class Sources, class... Opts>
      TT_CALLABLE_WHEN("unconsumed", "unknown")
      TT_SET_TYPESTATE(consumed) TT_INLINE
      auto gradient(const Target& target, const Sources& sources, const Opts&... opts) &&
      requires(!is_persistent) {
    using V = verdict_of<Target, Sources, Opts...>;
    // The verdict's diagnostics. This block appears three times, identically (the test
    // verdict_copies in tests/diagnostics_coded.py checks it): in tt::gradient and in both
    // tape::gradient() members, the functions users call, as a call into a shared function
    // would add an instantiation note to every error (clang: 3 lines of the 12).
    // verdict diagnostics: begin
    using c = detail::code;
    using O = typename V::offender;
    if constexpr (!std::is_void_v<clash>) {
      // TT-E10, reported when the tape was recorded
    } else if constexpr (V::value == c::e05) {
      static_assert(diag::target_was_recorded_on_this_tape<O, false>, TT_E05);
    } else if constexpr (V::value == c::e07) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07);
    } else if constexpr (V::value == c::e07_tensor) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_TENSOR);
    } else if constexpr (V::value == c::e07_count) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_COUNT);
    } else if constexpr (V::value == c::e03_constant) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_CONSTANT);
    } else if constexpr (V::value == c::e03_number) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NUMBER);
    } else if constexpr (V::value == c::e03_tensor) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_TENSOR);
    } else if constexpr (V::value == c::e03_nested) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NESTED);
    } else if constexpr (V::value == c::e03_integer) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_INTEGER);
    } else if constexpr (V::value == c::e03_not_real) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NOT_REAL);
    } else if constexpr (V::value == c::e03_unnamed) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_UNNAMED);
    } else if constexpr (V::value == c::e10) {
      static_assert(diag::name_is_unique<O, false>, TT_E10_SOURCE);
    } else if constexpr (V::value == c::e01) {
      static_assert(diag::target_uses_source<O, false>, TT_E01);
    } else if constexpr (V::value == c::e02_stop) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_STOP);
    } else if constexpr (V::value == c::e02_int_cast) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_INT_CAST);
    } else if constexpr (V::value == c::e02_extract) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_EXTRACT);
    } else if constexpr (V::value == c::e02_piecewise) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_PIECEWISE);
    } else if constexpr (V::value == c::e02_compare) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_COMPARE);
    }
    // verdict diagnostics: end
    if constexpr (!passes<V>) {
      return typename V::result{};
    } else {
      auto result = run<V>(target, sources, opts...);
      release();
      return result;
    }
  }
  template <class Target, class Sources, class... Opts>
  TT_INLINE auto gradient(const Target& target, const Sources& sources,
                          const Opts&... opts) const& requires is_persistent {
    using V = verdict_of<Target, Sources, Opts...>;
    // (the same block as in gradient() &&)
    // verdict diagnostics: begin
    using c = detail::code;
    using O = typename V::offender;
    if constexpr (!std::is_void_v<clash>) {
      // TT-E10, reported when the tape was recorded
    } else if constexpr (V::value == c::e05) {
      static_assert(diag::target_was_recorded_on_this_tape<O, false>, TT_E05);
    } else if constexpr (V::value == c::e07) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07);
    } else if constexpr (V::value == c::e07_tensor) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_TENSOR);
    } else if constexpr (V::value == c::e07_count) {
      static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_COUNT);
    } else if constexpr (V::value == c::e03_constant) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_CONSTANT);
    } else if constexpr (V::value == c::e03_number) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NUMBER);
    } else if constexpr (V::value == c::e03_tensor) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_TENSOR);
    } else if constexpr (V::value == c::e03_nested) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NESTED);
    } else if constexpr (V::value == c::e03_integer) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_INTEGER);
    } else if constexpr (V::value == c::e03_not_real) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NOT_REAL);
    } else if constexpr (V::value == c::e03_unnamed) {
      static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_UNNAMED);
    } else if constexpr (V::value == c::e10) {
      static_assert(diag::name_is_unique<O, false>, TT_E10_SOURCE);
    } else if constexpr (V::value == c::e01) {
      static_assert(diag::target_uses_source<O, false>, TT_E01);
    } else if constexpr (V::value == c::e02_stop) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>, TT_E02_STOP);
    } else if constexpr (V::value == c::e02_int_cast) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_INT_CAST);
    } else if constexpr (V::value == c::e02_extract) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_EXTRACT);
    } else if constexpr (V::value == c::e02_piecewise) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_PIECEWISE);
    } else if constexpr (V::value == c::e02_compare) {
      static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                    TT_E02_COMPARE);
    }
    // verdict diagnostics: end
    if constexpr (!passes<V>)
      return typename V::result{};
    else
      return run<V>(target, sources, opts...);
  }
  /// TT-E04: a non-persistent tape's gradient() consumes it, so it needs an rvalue.
  template <class Target, class Sources, class... Opts>
  auto gradient(const Target&, const Sources&, const Opts&...) const& requires(!is_persistent) {
    static_assert(diag::tape_is_persistent_or_an_rvalue<tape, false>, TT_E04);
    return detail::result_t<Sources>{};
  }

  /// The recorded value of the only target.
  TT_CALLABLE_WHEN("unconsumed", "unknown") auto value() const requires(sizeof...(Targets) == 1) {
    if (consumed_) throw consumed_tape_error{};
    return detail::val(std::get<0>(recs_));
  }

 private:
  /// What gradient(target, sources, opts...) would be: ok, or the diagnostic and its offender.
  template <class Target, class Sources, class... Opts>
  using verdict_of = detail::verdict<stored, lets, named, Target, Sources, Opts...>;
  template <class V>
  static constexpr bool passes = std::is_void_v<clash>&& V::value == detail::code::ok;

  /// The recorded values: the only target's, or a tuple of all of them.
  auto values() const {
    if constexpr (sizeof...(Targets) == 1)
      return typename detail::at_t<0, stored>::value_type(detail::val(std::get<0>(recs_)));
    else
      return std::apply(
          [](const auto&... r) {
            return std::tuple<typename detail::stored_t<Targets>::value_type...>(detail::val(r)...);
          },
          recs_);
  }

  /// The backward pass of a gradient whose verdict V passed.
  template <class V, class Target, class Sources, class... Opts>
  TT_INLINE auto run(const Target& target, const Sources& sources, const Opts&... opts) const {
    if (consumed_) throw consumed_tape_error{};
    return backward<V>(static_cast<const std::nullptr_t*>(nullptr), target, sources, opts...);
  }
  /// The same, the gradient written into `out` (tt::gradient_into).
  template <class V, class Out, class Target, class Sources, class... Opts>
  TT_INLINE void run_into(Out& out, const Target& target, const Sources& sources,
                          const Opts&... opts) const {
    if (consumed_) throw consumed_tape_error{};
    backward<V>(&out, target, sources, opts...);
  }

  /// Post-order forward pass: the lets (each once, dependencies first), then the targets.
  TT_INLINE void forward() {
    const detail::fwd_ctx<slots_t> ctx{slots_};
    detail::static_for<lets::size>([&](auto i) TT_INLINE_LAMBDA {
      using L = detail::at_t<i, lets>;
      detail::find_let_in<typename L::name_type>(targets_).body.forward(std::get<i>(slots_.recs),
                                                                        ctx);
    });
    detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
      using T = detail::at_t<i, stored>;
      // the short form never reads a target's value: a sum over a fused region then
      // runs once, in the backward pass, instead of twice (also below + - and products
      // with constants, which read no value of it: -0.5 * sum(...) - n * log(sigma))
      if constexpr (detail::is_short_form_v<Policy> && detail::sums_region_v<T>)
        std::get<i>(targets_).forward_inputs(std::get<i>(recs_), ctx);
      else if constexpr (detail::is_short_form_v<Policy> && detail::unread_forward<T>::value)
        std::get<i>(targets_).forward_unread(std::get<i>(recs_), ctx);
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
          if (first == nullptr)
            first = &x;
          else if (!detail::same_tree(*first, x))
            detail::throw_name_clash(X::name_type::view());
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
          if (found == std::numeric_limits<std::size_t>::max() &&
              detail::same_tree(std::get<i>(targets_), t))
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

  /// The backward pass. Out is std::nullptr_t (the gradient is returned) or what
  /// tt::gradient_into writes it into: the place of the only source's gradient, or a tuple
  /// of places.
  template <class V, class Out, class Target, class Sources, class... Opts>
  TT_INLINE auto backward(Out* out, const Target& target, const Sources& sources,
                          const Opts&... opts) const {
    using tp = detail::target_pack<Target>;
    using infos = typename V::infos;
    using wanted = typename detail::map_list<infos, detail::info_name_t>::type;
    using processed = typename detail::processed_lets<lets, typename tp::list, wanted>::type;
    using let_names = typename detail::names_of<processed>::type;
    using extra_lets = typename detail::lets_not_named<processed, wanted>::type;  // their own slots
    using ctx_t = detail::bwd_ctx<
        wanted, typename detail::concat<wanted, typename detail::names_of<extra_lets>::type>::type,
        typename detail::concat<
            typename detail::map_list<infos, detail::info_value_t>::type,
            typename detail::map_list<extra_lets, detail::let_value_t>::type>::type>;
    constexpr bool into = !std::is_same_v<Out, const std::nullptr_t>;
    ctx_t ctx{};

    // Every run-time check before anything is computed or written: each source must be
    // the object the targets use under its name (TT-E10), each target recorded here
    // (TT-E05), each tensor weight shaped like its target.
    if constexpr (detail::source_pack<Sources>::is_tuple) {
      auto each = [&](const auto& src) TT_INLINE_LAMBDA { check_source(src); };
      detail::for_each_element(sources, each);
    } else {
      check_source(sources);
    }
    const auto refs = tp::refs(target);
    std::size_t at[tp::list::size + 1] = {};  // which recorded target each target is
    detail::static_for<tp::list::size>([&](auto k) TT_INLINE_LAMBDA {
      using T = detail::at_t<k, typename tp::list>;
      [[maybe_unused]] decltype(auto) seed = seed_for<k, typename T::value_type>(opts...);
      if constexpr (detail::contains_v<T, stored>) {
        at[k] = locate<detail::options<Opts...>::known_target, k>(std::get<k>(refs));
        if constexpr (tensor_like<typename T::value_type> && ctx_t::template wants<T>)
          detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
            if constexpr (std::is_same_v<T, detail::at_t<i, stored>>)
              if (i == at[k])
                detail::check_same_shape("output_gradients", detail::val(std::get<i>(recs_)), seed);
          });
      } else {  // a let recorded inside a target
        using N = typename T::name_type;
        if (!detail::same_tree(detail::find_let_in<N>(targets_), std::get<k>(refs)))
          throw unrecorded_target_error{};
        if constexpr (tensor_like<typename T::value_type>)
          detail::check_same_shape("output_gradients",
                                   detail::val(std::get<detail::index_of_v<T, lets>>(slots_.recs)),
                                   seed);
      }
    });

    // tt::gradient_into: the caller's tensors become the adjoints' storage (reused where
    // their shapes fit); if the backward pass itself throws (an allocation, a custom VJP),
    // they are handed back, shapes kept and contents unspecified.
    auto place = [&]<std::size_t J>(std::integral_constant<std::size_t, J>)
        TT_INLINE_LAMBDA -> auto& {
      if constexpr (detail::source_pack<Sources>::is_tuple)
        return std::get<J>(*out);
      else
        return *out;
    };
    if constexpr (into)
      detail::static_for<infos::size>([&](auto j) TT_INLINE_LAMBDA {
        if constexpr (into && holds_place<detail::at_t<j, infos>, wanted>)
          ctx.template hold<typename detail::at_t<j, infos>::name_type>(std::move(place(j)));
      });
    auto hand_back = [&] {
      if constexpr (into)
        detail::static_for<infos::size>([&](auto j) TT_INLINE_LAMBDA {
          if constexpr (into && holds_place<detail::at_t<j, infos>, wanted>)
            place(j) = std::move(ctx.template get<typename detail::at_t<j, infos>::name_type>());
        });
    };

    auto run_backward = [&] {
      detail::static_for<tp::list::size>([&](auto k) TT_INLINE_LAMBDA {
        using T = detail::at_t<k, typename tp::list>;
        decltype(auto) seed = seed_for<k, typename T::value_type>(opts...);
        if constexpr (detail::contains_v<T, stored>) {
          if constexpr (ctx_t::template wants<T>) {
            detail::static_for<sizeof...(Targets)>([&](auto i) TT_INLINE_LAMBDA {
              if constexpr (std::is_same_v<T, detail::at_t<i, stored>>)
                if (i == at[k]) std::get<i>(targets_).backward(std::get<i>(recs_), seed, ctx);
            });
          }
        } else {  // a let recorded inside a target: seed its adjoint
          ctx.template accumulate<typename T::name_type>(typename T::value_type(seed));
        }
      });
      // The lets, each after every use of it has been accumulated (reverse forward order).
      detail::static_for<lets::size>([&](auto j) TT_INLINE_LAMBDA {
        constexpr std::size_t li = lets::size - 1 - j;
        using L = detail::at_t<li, lets>;
        using N = typename L::name_type;
        if constexpr (detail::contains_v<N, let_names>)
          detail::find_let_in<N>(targets_).body.backward(std::get<li>(slots_.recs),
                                                         ctx.template get<N>(), ctx);
      });
    };
    if constexpr (into) {
      try {
        run_backward();
      } catch (...) {
        hand_back();
        throw;
      }
    } else {
      run_backward();
    }

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
    if constexpr (into) {
      // written in place: a held adjoint nothing reached is zeroed where it lies
      auto write = [&]<std::size_t J>(std::integral_constant<std::size_t, J> j) TT_INLINE_LAMBDA {
        using I = detail::at_t<J, infos>;
        const auto& src = [&]() -> const auto& {
          if constexpr (detail::source_pack<Sources>::is_tuple)
            return std::get<J>(sources);
          else
            return sources;
        }
        ();
        if constexpr (into && holds_place<detail::at_t<j, infos>, wanted>) {
          auto& a = ctx.template get<typename I::name_type>();
          if (!ctx.template has<typename I::name_type>() ||
              (detail::reach_from<I>(typename tp::list{}) & detail::reach::live) == 0)
            detail::zero_like_into(a, source_value(src));
          place(j) = std::move(a);
        } else {
          place(j) = result(static_cast<I*>(nullptr), src);
        }
      };
      detail::static_for<infos::size>(write);
    } else if constexpr (detail::source_pack<Sources>::is_tuple) {
      return [&]<class... I, std::size_t... J>(detail::tlist<I...>, std::index_sequence<J...>)
                 TT_INLINE_LAMBDA {
                   return std::tuple<typename I::value_type...>(
                       result(static_cast<I*>(nullptr), std::get<J>(sources))...);
                 }(infos{}, std::make_index_sequence<infos::size>{});
    } else {
      return result(static_cast<detail::at_t<0, infos>*>(nullptr), sources);
    }
  }

  /// tt::gradient_into: does the adjoint of source I take the caller's tensor as its storage
  /// (a tensor, and its name asked for once)?
  template <class I, class Wanted>
  static constexpr bool holds_place =
      tensor_like<typename I::value_type>&& detail::count_v<typename I::name_type, Wanted> == 1;

  /// The weight of target K: 1, or its output_gradients weight (a tensor one by
  /// reference: a tensor target always has output_gradients, E07).
  template <std::size_t K, class S, class O, class... Opts>
  TT_INLINE static decltype(auto) seed_for(const O& o, const Opts&... opts) {
    if constexpr (detail::is_output_gradients<O>) {
      if constexpr (tensor_like<S>)
        return static_cast<const std::remove_cvref_t<decltype(std::get<K>(o.seeds))>&>(
            std::get<K>(o.seeds));
      else
        return static_cast<S>(std::get<K>(o.seeds));
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
    if constexpr (requires { s.get(); })
      return s.get();  // a variable
    else if constexpr (requires { s.p->get(); })
      return s.p->get();  // a watched tensor constant
    else if constexpr (requires { s.p->v; })
      return s.p->v;  // a watched constant
    else
      return detail::val(
          std::get<detail::index_of_v<detail::stored_t<S>, lets>>(slots_.recs));  // a let
  }

  TT_INLINE void release() {
    consumed_ = true;
    recs_ = {};
    slots_ = {};
  }

  using slots_t = detail::let_slots<lets, !detail::is_borrowed_v<Policy>>;
  std::tuple<detail::holder_t<Policy, Targets>...> targets_;
  slots_t slots_{};
  std::tuple<typename detail::stored_t<Targets>::record...> recs_{};
  bool consumed_ = false;
};

template <class... E>
tape(E&&...) -> tape<non_persistent, std::remove_cvref_t<E>...>;

/// Records targets on a new tape: `tt::record(y)`, `tt::record<tt::persistent>(y, z)`.
template <class Policy = non_persistent, class... E>
  requires(expression<E>&&...)
TT_RETURN_TYPESTATE(unconsumed)
TT_INLINE auto record(E&&... e) {
  return tape<Policy, std::remove_cvref_t<E>...>(std::forward<E>(e)...);
}

/// What tt::value_and_gradient returns: the target's value (a tuple of values for a tuple
/// of targets) and its gradient, in the structure of the sources.
/// `auto [loss, g] = tt::value_and_gradient(loss_expr, params);`
template <class T, class G>
struct value_with_gradient {
  T value;
  G gradient;
};

namespace detail {
template <class Target>
struct target_value {
  using type = typename Target::value_type;
};
template <class... T>
struct target_value<std::tuple<T...>> {
  using type = std::tuple<typename std::remove_cvref_t<T>::value_type...>;
};

/// The short form's arguments after the sources: options, or for tt::gradient_into the
/// places the gradient goes (Out, as deduced: T& for an lvalue), then options.
template <bool Into, class... Args>
struct short_form_args {
  using out = void;
  using opts = tlist<std::remove_cvref_t<Args>...>;
};
template <class A, class... Args>
struct short_form_args<true, A, Args...> {
  using out = A;
  using opts = tlist<std::remove_cvref_t<Args>...>;
};

/// Can Out (an argument's deduced type) take the gradient R: one place per source, each an
/// assignable lvalue of the source's value type?
template <class Out, class R>
struct places_fit {
  static constexpr bool count = !std::is_void_v<Out>;
  static constexpr bool types = std::is_lvalue_reference_v<Out> &&
                                !std::is_const_v<std::remove_reference_t<Out>> &&
                                std::is_same_v<std::remove_cvref_t<Out>, R>;
};
template <class Out, class... R>
struct places_fit<Out, std::tuple<R...>> {
  using T = std::remove_cvref_t<Out>;
  static constexpr bool count = [] {
    if constexpr (requires { std::tuple_size<T>::value; })
      return std::tuple_size<T>::value == sizeof...(R);
    else
      return false;
  }();
  static constexpr bool writable =
      std::is_lvalue_reference_v<Out> && !std::is_const_v<std::remove_reference_t<Out>>;
  static constexpr bool types = [] {
    if constexpr (count) return []<std::size_t... J>(std::index_sequence<J...>) {
        // a reference to a value of the type (std::tie), or the value itself in a tuple
        // the caller keeps
        return ((std::is_same_v<std::tuple_element_t<J, T>, R&> ||
                 (writable && std::is_same_v<std::tuple_element_t<J, T>, R>)) &&
                ...);
      }
    (std::index_sequence_for<R...>{});
    else return false;
  }();
};
}  // namespace detail

namespace detail {
/// How a tt::gradient_plan holds its sources: one by reference, a tuple as a tuple of
/// references to its elements (the variables std::tie named).
template <class S>
struct held_sources {
  using type = const S&;
};
template <class... S>
struct held_sources<std::tuple<S...>> {
  using type = std::tuple<const std::remove_reference_t<S>&...>;
};
/// What tt::plan_gradient returns when a check failed (its diagnostic is the only error):
/// into() accepts anything and does nothing.
struct failed_plan {
  template <class Out>
  void into(Out&&) {}
};
}  // namespace detail

/// A gradient computed again and again (a training loop's step), made by
/// `tt::plan_gradient(loss, params)` after the same checks as tt::gradient. Each
/// `plan.into(g)` runs the forward pass from the variables' values at that moment and writes
/// the gradient into g, as tt::gradient_into does; but the plan keeps its tape's records
/// between calls, so the values the forward pass computes (products, fused regions, a scan's
/// step records and step inputs) are written into the storage of the call before instead of
/// allocated. The plan holds a copy of the target expression, the sources by reference (keep
/// the variables alive), and is moved, not copied. One plan per thread: two threads calling
/// into() on one plan at once would write the same records.
template <class Tape, class V, class Sources, class... Opts>
class gradient_plan {
 public:
  template <class S, class... A>
  gradient_plan(Tape&& t, const S& sources, const A&... opts)
      : tape_(std::move(t)), sources_(hold(sources)), opts_(opts...) {}

  /// The gradient at the variables' current values, written into out: the place of the only
  /// source's gradient, or a tuple of places (std::tie(gw, gb), or what tt::gradient returned).
  template <class Out>
  void into(Out&& out) {
    using fit = detail::places_fit<Out, typename V::result>;
    if constexpr (!fit::count) {
      static_assert(fit::count, TT_E16_GRADIENT_INTO);
    } else if constexpr (!fit::types) {
      static_assert(fit::types, TT_E15_GRADIENT_INTO);
    } else {
      tape_.forward();
      std::apply(
          [&](const auto&... o) {
            tape_.template run_into<V>(out, target(), sources_, o..., detail::known_target_t{});
          },
          opts_);
    }
  }

 private:
  template <class S>
  static Sources hold(const S& s) {
    if constexpr (detail::source_pack<S>::is_tuple)
      return std::apply([](const auto&... x) { return Sources(x...); }, s);
    else
      return s;
  }
  /// The target as the tape holds it (one, or a tuple of references to each).
  decltype(auto) target() const {
    if constexpr (std::tuple_size_v<decltype(tape_.targets_)> == 1)
      return std::get<0>(tape_.targets_);
    else
      return std::apply([](const auto&... t) { return std::tie(t...); }, tape_.targets_);
  }

  Tape tape_;
  Sources sources_;
  std::tuple<Opts...> opts_;
};

/// The short form: records target, takes its gradient, releases the recording. With
/// gradient_mode::value (tt::value_and_gradient), the target's value too, from the same
/// forward pass; with gradient_mode::into (tt::gradient_into), the gradient written into
/// the caller's storage, the first argument after the sources.
template <detail::gradient_mode Mode>
struct gradient_t {
  template <class Target, class Sources, class... Args>
  TT_INLINE auto operator()(const Target& target, const Sources& sources, Args&&... args) const {
    constexpr bool into = Mode == detail::gradient_mode::into;
    constexpr detail::known_target_t known{};
    using split = detail::short_form_args<into, Args...>;
    if constexpr (!expression<Target> && !detail::target_pack<Target>::is_tuple) {
      // the note names the (first) source the plain-number target cannot reach
      using first = detail::at_t<0, typename detail::source_pack<Sources>::infos>;
      static_assert(diag::target_is_an_expression_of<typename first::name_type, false>,
                    TT_E01_NUMBER);
      return empty_result<Target, Sources>();
    } else {
      using tape_t = typename borrowed_tape<Target>::type;
      using clash = typename tape_t::clash;
      // TT-E10 here rather than in the tape's constructor, which is not reached then: one
      // instantiation note fewer
      static_assert(diag::name_is_unique<clash, std::is_void_v<clash>>, TT_E10);
      using V = typename verdict_with<tape_t, Target, Sources, typename split::opts>::type;
      // (the same block as in gradient() &&)
      // verdict diagnostics: begin
      using c = detail::code;
      using O = typename V::offender;
      if constexpr (!std::is_void_v<clash>) {
        // TT-E10, reported when the tape was recorded
      } else if constexpr (V::value == c::e05) {
        static_assert(diag::target_was_recorded_on_this_tape<O, false>, TT_E05);
      } else if constexpr (V::value == c::e07) {
        static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07);
      } else if constexpr (V::value == c::e07_tensor) {
        static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_TENSOR);
      } else if constexpr (V::value == c::e07_count) {
        static_assert(diag::target_is_scalar_or_has_output_gradients<O, false>, TT_E07_COUNT);
      } else if constexpr (V::value == c::e03_constant) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_CONSTANT);
      } else if constexpr (V::value == c::e03_number) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NUMBER);
      } else if constexpr (V::value == c::e03_tensor) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_TENSOR);
      } else if constexpr (V::value == c::e03_nested) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NESTED);
      } else if constexpr (V::value == c::e03_integer) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_INTEGER);
      } else if constexpr (V::value == c::e03_not_real) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_NOT_REAL);
      } else if constexpr (V::value == c::e03_unnamed) {
        static_assert(diag::source_is_a_watched_floating_point_leaf<O, false>, TT_E03_UNNAMED);
      } else if constexpr (V::value == c::e10) {
        static_assert(diag::name_is_unique<O, false>, TT_E10_SOURCE);
      } else if constexpr (V::value == c::e01) {
        static_assert(diag::target_uses_source<O, false>, TT_E01);
      } else if constexpr (V::value == c::e02_stop) {
        static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                      TT_E02_STOP);
      } else if constexpr (V::value == c::e02_int_cast) {
        static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                      TT_E02_INT_CAST);
      } else if constexpr (V::value == c::e02_extract) {
        static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                      TT_E02_EXTRACT);
      } else if constexpr (V::value == c::e02_piecewise) {
        static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                      TT_E02_PIECEWISE);
      } else if constexpr (V::value == c::e02_compare) {
        static_assert(diag::source_reaches_target_through_differentiable_ops<O, false>,
                      TT_E02_COMPARE);
      }
      // verdict diagnostics: end
      using fit = detail::places_fit<typename split::out, typename V::result>;
      if constexpr (!tape_t::template passes<V>) {
        return empty_result<Target, Sources>();
      } else if constexpr (into && !fit::count) {
        static_assert(fit::count, TT_E16_GRADIENT_INTO);
      } else if constexpr (into && !fit::types) {
        static_assert(fit::types, TT_E15_GRADIENT_INTO);
      } else if constexpr (Mode == detail::gradient_mode::plan) {
        return gradient_plan<decltype(make_tape<detail::planned>(target)), V,
                             typename detail::held_sources<Sources>::type,
                             std::remove_cvref_t<Args>...>(make_tape<detail::planned>(target),
                                                           sources, args...);
      } else if constexpr (Mode == detail::gradient_mode::value) {
        const auto t = make_tape<detail::borrowed_value>(target);
        using R = value_with_gradient<typename detail::target_value<Target>::type,
                                      decltype(t.template run<V>(target, sources, args..., known))>;
        return R{t.values(), t.template run<V>(target, sources, args..., known)};
      } else if constexpr (into) {
        [&](auto& out, const auto&... opts) TT_INLINE_LAMBDA {
          make_tape<detail::borrowed>(target).template run_into<V>(out, target, sources, opts...,
                                                                   known);
        }(args...);
      } else {
        return make_tape<detail::borrowed>(target).template run<V>(target, sources, args..., known);
      }
    }
  }

 private:
  template <class Tape, class Target, class Sources, class Opts>
  struct verdict_with;
  template <class Tape, class Target, class Sources, class... O>
  struct verdict_with<Tape, Target, Sources, detail::tlist<O...>> {
    using type = typename Tape::template verdict_of<Target, Sources, O..., detail::known_target_t>;
  };
  /// What a call that failed a check returns (no follow-on errors).
  template <class Target, class Sources>
  static auto empty_result() {
    if constexpr (Mode == detail::gradient_mode::plan)
      return detail::failed_plan{};
    else if constexpr (Mode == detail::gradient_mode::value)
      return value_with_gradient<typename detail::target_value<Target>::type,
                                 detail::result_t<Sources>>{};
    else if constexpr (Mode == detail::gradient_mode::gradient)
      return detail::result_t<Sources>{};
  }
  /// The tape that borrows the target (or each target of a tuple).
  template <class Target>
  struct borrowed_tape {
    using type = tape<detail::borrowed, Target>;
  };
  template <class... T>
  struct borrowed_tape<std::tuple<T...>> {
    using type = tape<detail::borrowed, std::remove_cvref_t<T>...>;
  };
  template <class Policy, class Target>
  TT_INLINE static auto make_tape(const Target& target) {
    if constexpr (detail::target_pack<Target>::is_tuple)
      return std::apply(
          [](const auto&... t)
              TT_INLINE_LAMBDA { return tape<Policy, std::remove_cvref_t<decltype(t)>...>(t...); },
          target);
    else
      return tape<Policy, Target>(target);
  }
};
inline constexpr gradient_t<detail::gradient_mode::gradient> gradient{};
/// The target's value and its gradient from one forward pass: `auto [v, g] =
/// tt::value_and_gradient(loss, params);` (TensorFlow and JAX users write the loss twice,
/// or call jax.value_and_grad). The same diagnostics as tt::gradient.
inline constexpr gradient_t<detail::gradient_mode::value> value_and_gradient{};
/// The gradient written into the caller's storage: `tt::gradient_into(loss, std::tie(w, b),
/// std::tie(gw, gb));` (or a tuple tt::gradient returned before). A tensor's storage is
/// reused when its shape fits (resized otherwise), so a training loop that keeps its
/// gradients allocates none for them. The same diagnostics as tt::gradient.
inline constexpr gradient_t<detail::gradient_mode::into> gradient_into{};
/// A gradient to compute again and again, its records kept between calls:
/// `auto step = tt::plan_gradient(loss, std::tie(w, b));` then, in the loop,
/// `step.into(g);` (see tt::gradient_plan). The same diagnostics as tt::gradient, when the
/// plan is made; the places' (TT-E15, TT-E16) when into() is called.
inline constexpr gradient_t<detail::gradient_mode::plan> plan_gradient{};

template <class E>
  requires expression<E>
auto eval_t::operator()(const E& e) const { return record(e).value(); }

}  // namespace tt
