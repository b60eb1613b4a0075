// The contexts a recording runs in: fwd_ctx (the let slots a forward pass fills) and
// bwd_ctx (the adjoints of the wanted sources and lets), shared by the tape, scan and
// the loop nodes; and which lets a backward pass must run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>

#include "verdict.hpp"

namespace tt {
namespace detail {

// ---- backward-pass context: adjoints of the wanted sources and of the lets needed ---------
/// p[i] += q[i] for i < n, on SIMD batches (defined with the tensor back end,
/// eval/tensor.hpp: g++ -O2 does not vectorise a loop that needs an alias check).
template <class T>
void add_elements(T* p, const T* q, std::size_t n);

/// a += g for tensor adjoints of one shape: in place when both are dense (xtensor's
/// own += evaluates into a temporary first).
template <class A, class G>
void add_into(A& a, const G& g) {
  check_same_shape("adjoint accumulation", a, g);
  if constexpr (is_dense_tensor<A> && is_dense_tensor<std::remove_cvref_t<G>>) {
    add_elements(a.data(), g.data(), a.size());
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
  if constexpr (std::is_floating_point_v<V>)
    return V(-0.0);
  else
    return V{};
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
          // a temporary is moved in; a value someone else keeps is copied into the storage
          // already there (tt::gradient_into's) when it fits
          if constexpr (std::is_lvalue_reference_v<G> &&
                        std::is_same_v<std::remove_cvref_t<G>, std::remove_cvref_t<decltype(a)>>) {
            if (std::equal(a.shape().begin(), a.shape().end(), g.shape().begin(), g.shape().end()))
              std::copy(g.begin(), g.end(), a.begin());
            else
              a = g;
          } else {
            a = std::forward<G>(g);
          }
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
        zero_like_into(a, like);  // in the storage already there when it fits
        started[i] = true;
      }
      return static_cast<E*>(a.data());
    } else {
      return static_cast<E*>(nullptr);
    }
  }
  /// The elements of the tensor adjoint of Name for a loop that covers all of them: while
  /// nothing has been added, storage shaped like `like` to store into (add = false; the
  /// storage already there when its shape fits), afterwards the adjoint to add into (add = true).
  template <class Name, class Like>
  TT_INLINE auto* write_buffer(const Like& like, bool& add) {
    using E = std::remove_cvref_t<decltype(*like.data())>;
    constexpr std::size_t i = index_of_v<Name, tlist<N...>>;
    auto& a = std::get<i>(adj);
    add = started[i];
    if (!started[i]) {
      shape_like_into(a, like);
      started[i] = true;
    }
    return static_cast<E*>(a.data());
  }
  /// Gives the tensor adjoint of Name storage to write into (tt::gradient_into).
  template <class Name, class T>
  TT_INLINE void hold(T&& storage) {
    std::get<index_of_v<Name, tlist<N...>>>(adj) = std::move(storage);
  }
  template <class Name>
  TT_INLINE constexpr auto& get() {
    return std::get<index_of_v<Name, tlist<N...>>>(adj);
  }
  /// Has the adjoint of Name received anything (always true for scalars, which start at -0)?
  template <class Name>
  TT_INLINE constexpr bool has() const {
    constexpr std::size_t i = index_of_v<Name, tlist<N...>>;
    if constexpr (tensor_like<std::remove_cvref_t<decltype(std::get<i>(adj))>>)
      return started[i];
    else
      return true;
  }
};

/// A tensor let's record, kept on the heap: each use of the let points at its value (one copy
/// per recording, however many uses), and the address survives moves of the tape or of a
/// scan's step records. Move-only, so a tape holding a tensor let cannot be copied with
/// pointers into the original (as a tape holding a scan).
template <class R>
struct let_box {
  std::unique_ptr<R> p;
  operator R&() {  // NOLINT: a box is used where its record is
    if (!p) p = std::make_unique<R>();
    return *p;
  }
  operator const R&() const { return *p; }  // NOLINT
  const auto& get() const { return val(*p); }
};
template <class L, bool Boxed>
using let_slot_t =
    std::conditional_t<Boxed && tensor_like<typename L::value_type>,
                       let_box<typename L::body_type::record>, typename L::body_type::record>;

/// The records of a recording's lets. Boxed (a tensor let's record on the heap) unless the
/// recording never moves: tt::gradient's own tape lives in one place for its whole life, and
/// keeps its tensor lets' records inline (no allocation per call).
template <class Lets, bool Boxed = true>
struct let_slots;
template <class... L, bool Boxed>
struct let_slots<tlist<L...>, Boxed> {
  using names = tlist<typename L::name_type...>;
  std::tuple<let_slot_t<L, Boxed>...> recs{};
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
  using type = typename concat<
      std::conditional_t<live_from<L>(Targets{}) && wants_v<typename L::body_type, Wanted>,
                         tlist<L>, tlist<>>...>::type;
};

}  // namespace detail
}  // namespace tt
