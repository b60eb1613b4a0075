// Loops with a run-time trip count whose body is one expression type: a sum over an
// index, a map (a vector whose element i is a scalar body), and a fold (a recurrence
// with a carried state, h_{t+1} = f(h_t, t)). The body reads element i of tensors and
// data with tt::at.
//
//   tt::variable<"mu"> mu{0.0};
//   tt::variable<"s"> s{1.0};
//   std::vector<double> y = ...;                                    // data, read in place
//   auto nll = tt::sum_over<"i">(y.size(), [&](auto i) {
//     return tt::square((tt::at(y, i) - mu) / s) * 0.5 + tt::log(s);
//   });
//   auto [gmu, gs] = tt::gradient(nll, std::tie(mu, s));
//
//   auto xT = tt::fold<"t">(steps, x0, [&](auto x, auto t) { return x + dt * tt::sin(x * tt::at(k,
//   t)); }); auto v = tt::map_over<"i">(n, [&](auto i) { return tt::at(w, i) * tt::at(x, i); }); //
//   <typetape/tensor.hpp>
//
// The body is called once, when the loop is built, on a placeholder index: its result is
// an ordinary expression type, so every op and every compile-time check (TT-E01..E13)
// works inside it unchanged. Each iteration runs the body's forward pass into one record
// on the stack (nothing is allocated per iteration). The backward pass does not store
// per-iteration records: it recomputes iteration i's record and runs its backward pass
// at once, so a loop of n iterations keeps O(1) memory (a fold keeps its n + 1 states).
// A sum whose value nothing reads (the target of tt::gradient's short form, or the body
// of an enclosing sum) is not run forward at all: one forward and one backward pass per
// iteration, as a hand-written gradient.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../detail/contexts.hpp"

namespace tt {

/// A loop's index inside its body: `i`, `i + 1`, `i - 1` (for tt::at). `i.as()` is its
/// value as a double constant of the body (no gradient flows into an index);
/// `tt::index_as<float>(i)` for another type.
template <class Name>
struct loop_index {
  std::ptrdiff_t off = 0;
  friend constexpr loop_index operator+(loop_index i, std::ptrdiff_t k) { return {i.off + k}; }
  friend constexpr loop_index operator+(std::ptrdiff_t k, loop_index i) { return {i.off + k}; }
  friend constexpr loop_index operator-(loop_index i, std::ptrdiff_t k) { return {i.off - k}; }
  template <class T = double>
  constexpr auto as() const;
};

namespace detail {

/// A fixed index (a plain integer given to tt::at): reads no context.
struct no_index_name;

/// Is I a loop index or a plain integer (an index tt::at accepts)?
template <class I>
inline constexpr bool is_loop_index = false;
template <class N>
inline constexpr bool is_loop_index<loop_index<N>> = true;
template <class I>
concept index_operand =
    is_loop_index<std::remove_cvref_t<I>> || std::is_integral_v<std::remove_cvref_t<I>>;

/// The current value of an index in a context (nested loops forward it outward).
template <class N, class Ctx>
TT_INLINE std::ptrdiff_t index_value(const loop_index<N>& i, const Ctx& ctx) {
  if constexpr (std::is_same_v<N, no_index_name>)
    return i.off;
  else
    return ctx.template index<N>() + i.off;
}

/// Writes a non-negative or negative integer into a small buffer (messages without <string>).
struct int_text {
  char buf[24]{};
  std::size_t n = 0;
  explicit int_text(long long v) {
    char tmp[24];
    std::size_t k = 0;
    const bool neg = v < 0;
    unsigned long long u =
        neg ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
    do {
      tmp[k++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    if (neg) buf[n++] = '-';
    while (k) buf[n++] = tmp[--k];
  }
  std::string_view view() const { return {buf, n}; }
};
TT_COLD inline void index_fail(std::ptrdiff_t k, std::size_t axis, std::size_t size) {
  char m[120];
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    for (char c : s)
      if (n + 1 < sizeof m) m[n++] = c;
  };
  put("tt::at: index ");
  put(int_text(k).view());
  put(" is out of range for axis ");
  put(int_text(static_cast<long long>(axis)).view());
  put(" of length ");
  put(int_text(static_cast<long long>(size)).view());
  throw shape_error(std::string_view(m, n));
}

/// Data read in place by tt::at: a pointer to the elements and the shape (row-major).
template <class E, std::size_t R>
struct data_ref {
  const E* p;
  std::array<std::size_t, R> shape;
  TT_INLINE constexpr const E* data() const { return p; }
};

/// The elements and shape of what tt::at reads, whatever it is.
template <class C>
TT_INLINE const auto* elements(const C& c) {
  return c.data();
}
template <class C>
TT_INLINE std::size_t extent(const C& c, std::size_t d) {
  if constexpr (requires { c.shape(); })
    return static_cast<std::size_t>(c.shape()[d]);
  else if constexpr (requires { c.shape[d]; })
    return c.shape[d];
  else
    return static_cast<std::size_t>(c.size());
}

/// The name of a placeholder or a variable an element leaf reads (void for data).
template <class S>
struct source_name {
  using type = void;
};
template <class N, class T>
struct source_name<var_ref<N, T>> {
  using type = N;
};

/// What an element leaf reads elements from: the data, or the value of a named source.
template <class S>
struct source_container {
  using type = typename S::value_type;
};
template <class E, std::size_t R>
struct source_container<data_ref<E, R>> {
  using type = data_ref<E, R>;
};

/// A placeholder for a loop's carried state (a fold's state, a scan's state or step
/// input): its record points at the value the loop keeps for the current step.
template <class Name, class T>
struct carry_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  static constexpr const void* p = nullptr;  // a leaf, with no object behind it (same_tree)

  struct record {
    const T* v = nullptr;
    const T& get() const noexcept { return *v; }
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx& ctx) const {
    r.v = ctx.template carry<Name>();
  }
  template <class G, class Ctx>
  TT_INLINE void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
};
template <class N, class T>
struct source_name<carry_ref<N, T>> {
  using type = N;
};
template <class M, class T, class N>
struct reach_of<carry_ref<M, T>, N>
    : std::integral_constant<unsigned, std::is_same_v<M, N> ? reach::live : 0u> {};

/// Element (i, j, ...) of a tensor variable, a loop's carried tensor, or data: a leaf of
/// a loop's body. Its adjoint goes into that element of the source's adjoint.
template <class Src, class... Ix>
struct elem_node {
  using tt_expression = void;
  using name = typename source_name<Src>::type;
  using container = typename source_container<Src>::type;
  using value_type = std::remove_cvref_t<decltype(*elements(std::declval<const container&>()))>;
  static constexpr std::size_t rank = sizeof...(Ix);
  Src src;
  std::array<std::ptrdiff_t, rank> off;
  bool padded = false;  // tt::at_or: an index out of range reads `fill` (no gradient)
  value_type fill{};
  static constexpr std::size_t outside = ~std::size_t{0};

  struct record {
    value_type v;
    std::size_t flat;
    const container* c;
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx& ctx) const {
    const container& c = source(ctx);
    r.c = &c;
    r.flat = flat_index(c, ctx, std::index_sequence_for<Ix...>{});
    r.v = r.flat == outside ? fill : elements(c)[r.flat];
  }
  template <class G, class Ctx>
  TT_INLINE void backward(const record& r, const G& g, Ctx& ctx) const {
    if constexpr (!std::is_void_v<name>)
      if (r.flat != outside) ctx.template accumulate_element<name>(r.flat, g, *r.c);
  }

  template <class F>
  TT_INLINE constexpr void tt_visit(F& f) const {
    if constexpr (!std::is_void_v<name> && requires { src.p->get(); }) f(src);
  }
  TT_INLINE constexpr bool tt_same(const elem_node& o) const {
    bool same = off == o.off && padded == o.padded && (!padded || fill == o.fill);
    if constexpr (requires { src.shape; })
      same = same && src.p == o.src.p && src.shape == o.src.shape;
    else if constexpr (requires { src.p->get(); })
      same = same && src.p == o.src.p;
    return same;
  }

 private:
  template <class Ctx>
  TT_INLINE const container& source(const Ctx& ctx) const {
    if constexpr (std::is_void_v<name>)
      return src;
    else if constexpr (requires { src.p->get(); })
      return src.p->get();
    else
      return *ctx.template carry<name>();
  }
  template <class Ctx, std::size_t... D>
  TT_INLINE std::size_t flat_index(const container& c, const Ctx& ctx,
                                   std::index_sequence<D...>) const {
    std::size_t flat = 0;
    bool out = false;
    (
        [&] {
          const std::ptrdiff_t k = index_value(loop_index<at_t<D, tlist<Ix...>>>{off[D]}, ctx);
          const std::size_t len = extent(c, D);
          if (k < 0 || static_cast<std::size_t>(k) >= len) [[unlikely]] {
            if (!padded) index_fail(k, D, len);
            out = true;
          }
          flat = flat * len + static_cast<std::size_t>(k);
        }(),
        ...);
    return out ? outside : flat;
  }
};

template <class Src, class... Ix, class N>
struct reach_of<elem_node<Src, Ix...>, N> : reach_of<Src, N> {};
template <class Src, class... Ix, class Acc>
struct collect_named<elem_node<Src, Ix...>, Acc> : collect_named<Src, Acc> {};

/// The value of a loop index as a constant of the body: `i.as<double>()`.
template <class Name, class T>
struct index_leaf {
  using tt_expression = void;
  using value_type = T;
  std::ptrdiff_t off;
  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx& ctx) const {
    r.v = static_cast<T>(index_value(loop_index<Name>{off}, ctx));
  }
  template <class G, class Ctx>
  TT_INLINE void backward(const record&, const G&, Ctx&) const {}
  TT_INLINE constexpr bool tt_same(const index_leaf& o) const { return off == o.off; }
};

// ---- contexts: a loop's own names first, everything else from the enclosing context ------

/// The name of a fold's state placeholder (not a user name: never collides with one).
template <class LoopName>
struct fold_state {
  static constexpr std::string_view view() noexcept { return LoopName::view(); }
};

/// What every context of one iteration answers: its index, and (a fold) the state it
/// reads; other names go to the enclosing context (`Outer` is const for a forward pass).
template <class Outer, class Name, class State>
struct loop_scope {
  Outer& outer;
  std::ptrdiff_t i;
  const State* state;
  template <class N>
  TT_INLINE std::ptrdiff_t index() const {
    if constexpr (std::is_same_v<N, Name>)
      return i;
    else
      return outer.template index<N>();
  }
  template <class N>
  TT_INLINE auto carry() const {
    if constexpr (std::is_same_v<N, fold_state<Name>>)
      return state;
    else
      return outer.template carry<N>();
  }
};

/// The forward context of one iteration: the iteration's let slots, then its scope.
template <class Outer, class Name, class Info, class State>
struct loop_fwd_ctx : loop_scope<const Outer, Name, State> {
  using Slots = typename Info::slots;
  const Slots& slots;
  const typename Info::snapshot& snap;  // the hoisted lets' values
  TT_INLINE loop_fwd_ctx(const Outer& o, const Slots& s, const typename Info::snapshot& h,
                         std::ptrdiff_t at, const State* st)
      : loop_scope<const Outer, Name, State>{o, at, st}, slots(s), snap(h) {}
  template <class N>
  TT_INLINE const auto& let_value() const {
    if constexpr (contains_v<N, typename Slots::names>)
      return val(std::get<index_of_v<N, typename Slots::names>>(slots.recs));
    else if constexpr (contains_v<N, typename Info::hoisted_names>)
      return std::get<index_of_v<N, typename Info::hoisted_names>>(snap.lets);
    else
      return this->outer.template let_value<N>();
  }
};

/// The backward context of one iteration: adjoints of its lets (and a fold's state) are
/// its own; every other name goes to the enclosing context's adjoints.
template <class Outer, class Name, class Wanted, class Names, class Values, class State, class Acc>
struct loop_bwd_ctx : bwd_ctx<Wanted, Names, Values>, loop_scope<Outer, Name, State> {
  using base = bwd_ctx<Wanted, Names, Values>;
  Acc& acc;  // the scalar adjoints of outer names, summed over the iterations in registers
  TT_INLINE loop_bwd_ctx(Outer& o, Acc& a, std::ptrdiff_t at, const State* s)
      : loop_scope<Outer, Name, State>{o, at, s}, acc(a) {}
  template <class N, class G>
  TT_INLINE void accumulate(G&& g) {
    if constexpr (contains_v<N, Names>)
      base::template accumulate<N>(std::forward<G>(g));
    else if constexpr (contains_v<N, typename Acc::names>)
      acc.template accumulate<N>(std::forward<G>(g));
    else
      this->outer.template accumulate<N>(std::forward<G>(g));
  }
  template <class N, class G, class Like>
  TT_INLINE void accumulate_element(std::size_t flat, const G& g, const Like& like) {
    if constexpr (contains_v<N, Names>) {
      base::template accumulate_element<N>(flat, g, like);
    } else if constexpr (contains_v<N, typename Acc::tensor_names>) {
      auto* p = std::get<index_of_v<N, typename Acc::tensor_names>>(acc.buffers);
      if (p) p[flat] += g;
    } else {
      this->outer.template accumulate_element<N>(flat, g, like);
    }
  }
  template <class N, class Like>
  TT_INLINE auto* element_buffer(const Like& like) {
    if constexpr (contains_v<N, Names>)
      return base::template element_buffer<N>(like);
    else
      return this->outer.template element_buffer<N>(like);
  }
  template <class N, class Like>
  TT_INLINE auto* write_buffer(const Like& like, bool& add) {
    if constexpr (contains_v<N, Names>)
      return base::template write_buffer<N>(like, add);
    else
      return this->outer.template write_buffer<N>(like, add);
  }
};

// ---- what a body holds ----------------------------------------------------------------------
template <class L, template <class> class Keep>
struct keep_if;
template <class... X, template <class> class Keep>
struct keep_if<tlist<X...>, Keep> {
  using type = typename concat<std::conditional_t<Keep<X>::value, tlist<X>, tlist<>>...>::type;
};
template <class X>
    struct is_leaf_source : std::bool_constant < !requires {
  typename X::body_type;
} > {};
template <class X>
struct is_scalar_variable : std::false_type {};
template <class N, class T>
struct is_scalar_variable<var_ref<N, T>> : std::bool_constant<!tensor_like<T>> {};
template <class X>
struct is_tensor_variable : std::false_type {};
template <class N, class T>
struct is_tensor_variable<var_ref<N, T>> : std::bool_constant<tensor_like<T>> {};

template <class L>
struct values_tuple;
template <class... X>
struct values_tuple<tlist<X...>> {
  using type = std::tuple<typename X::value_type...>;
};
template <class L>
struct versions_array;
template <class... X>
struct versions_array<tlist<X...>> {
  using type = std::array<std::uint64_t, sizeof...(X)>;
};

/// Does E's value change with loop Name's index (an element at it, the index itself, a
/// fold's state, a nested loop bounded by it)? A let that does not is loop-invariant.
template <class E, class Name>
struct varies {
  static constexpr bool value = [] {
    if constexpr (requires(const E& e) {
                    std::tuple_size<std::remove_cvref_t<decltype(e.kids)>>::value;
                  })
      return []<class... K>(const std::tuple<K...>*) {
        return (varies<K, Name>::value || ...);
      }(static_cast<const std::remove_cvref_t<decltype(std::declval<const E&>().kids)>*>(nullptr));
    else
      return false;
  }();
};
template <class M, class B, class Name>
struct varies<let_node<M, B>, Name> : varies<B, Name> {};
template <class Src, class... Ix, class Name>
struct varies<elem_node<Src, Ix...>, Name>
    : std::bool_constant<(std::is_same_v<Ix, Name> || ...) || varies<Src, Name>::value> {};
template <class T, class Name>
struct varies<index_leaf<Name, T>, Name> : std::true_type {};
template <class T, class Name>
struct varies<carry_ref<fold_state<Name>, T>, Name> : std::true_type {};

template <class Name>
struct varies_with {
  template <class X>
  struct test : varies<X, Name> {};
  template <class X>
  struct not_test : std::bool_constant<!varies<X, Name>::value> {};
};

template <class L>
struct element_pointers;
template <class... X>
struct element_pointers<tlist<X...>> {
  using type = std::tuple<elem_t<typename X::value_type>*...>;
};

template <class X>
struct is_scalar_let : std::bool_constant<!tensor_like<typename X::value_type>> {};

/// What a loop's body reads from outside: its variables (the scalar ones' values and the
/// tensor ones' versions are kept at recording, and checked when the backward pass reruns
/// the body), its lets: those that vary with the loop's index are its own, one per
/// iteration; the others are hoisted, evaluated once outside the loop as any let (their
/// values kept with the loop's record for the backward pass's reruns).
template <class Name, class Body>
struct body_info {
  using named = named_t<Body>;
  using params = typename keep_if<named, is_leaf_source>::type;
  using all_lets = lets_t<Body>;
  using lets = typename keep_if<all_lets, varies_with<Name>::template test>::type;
  using hoisted = typename keep_if<all_lets, varies_with<Name>::template not_test>::type;
  using let_names = typename names_of<lets>::type;
  using hoisted_names = typename names_of<hoisted>::type;
  using slots = let_slots<lets>;
  using scalars = typename keep_if<named, is_scalar_variable>::type;
  using tensors = typename keep_if<named, is_tensor_variable>::type;
  struct snapshot {
    typename values_tuple<scalars>::type values{};
    typename versions_array<tensors>::type versions{};
    typename values_tuple<hoisted>::type lets{};
  };
  /// The adjoints a backward pass sums locally, then adds to the enclosing context once:
  /// the scalar variables and scalar hoisted lets (through a reference, each iteration's
  /// addition would be a store and a load, as the data read might alias it).
  using summed = typename concat<scalars, typename keep_if<hoisted, is_scalar_let>::type>::type;
  /// ... and the tensor variables' adjoint buffers, found once before the iterations.
  struct acc : bwd_ctx<tlist<>, typename names_of<summed>::type,
                       typename map_list<summed, let_value_t>::type> {
    using tensor_names = typename names_of<tensors>::type;
    typename element_pointers<tensors>::type buffers{};
  };
};

/// Finds the tensor variables' adjoint buffers in the enclosing context.
template <class Info, class Body, class Acc, class Ctx>
TT_INLINE void find_buffers(const Body& body, Acc& acc, Ctx& ctx) {
  static_for<Info::tensors::size>([&](auto k) TT_INLINE_LAMBDA {
    using X = at_t<k, typename Info::tensors>;
    with_param<X>(body, [&](const auto& x) {
      std::get<k>(acc.buffers) = ctx.template element_buffer<typename X::name_type>(x.p->get());
    });
  });
}
/// Adds each locally summed adjoint to the enclosing context.
template <class Acc, class Ctx>
TT_INLINE void flush_sums(Acc& acc, Ctx& ctx) {
  static_for<Acc::names::size>([&](auto k) TT_INLINE_LAMBDA {
    using N = at_t<k, typename Acc::names>;
    ctx.template accumulate<N>(acc.template get<N>());
  });
}

/// The variables a body reads, found in the body (each once) and handed to f.
template <class X, class Body, class F>
TT_INLINE void with_param(const Body& body, F&& f) {
  bool done = false;
  auto visit = [&](const auto& x) TT_INLINE_LAMBDA {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, X>)
      if (!done) {
        done = true;
        f(x);
      }
  };
  for_each_named(body, visit);
}

template <class Info, class Body, class Snap, class Ctx>
void take_snapshot(const Body& body, Snap& s, const Ctx& ctx) {
  using info = Info;
  static_for<info::hoisted::size>([&](auto k) {
    std::get<k>(s.lets) =
        ctx.template let_value<typename at_t<k, typename info::hoisted>::name_type>();
  });
  static_for<info::scalars::size>([&](auto k) {
    with_param<at_t<k, typename info::scalars>>(
        body, [&](const auto& x) { std::get<k>(s.values) = x.p->get(); });
  });
  static_for<info::tensors::size>([&](auto k) {
    with_param<at_t<k, typename info::tensors>>(
        body, [&](const auto& x) { s.versions[k] = x.p->version(); });
  });
}
/// TT-E11 at run time: a variable the body reads changed between recording and gradient().
template <class Info, class Body, class Snap>
void check_snapshot(const Body& body, const Snap& s) {
  using info = Info;
  static_for<info::scalars::size>([&](auto k) {
    using X = at_t<k, typename info::scalars>;
    with_param<X>(body, [&](const auto& x) {
      const auto now = x.p->get();
      const auto then = std::get<k>(s.values);
      if (std::memcmp(&now, &then, sizeof now) != 0) throw_modified(X::name_type::view());
    });
  });
  static_for<info::tensors::size>([&](auto k) {
    using X = at_t<k, typename info::tensors>;
    with_param<X>(body, [&](const auto& x) {
      if (x.p->version() != s.versions[k]) throw_modified(X::name_type::view());
    });
  });
}

/// One iteration's lets, forward (each once, dependencies first) and backward (reverse
/// order; only those in Processed, whose adjoints are real).
template <class Info, class Body, class Slots, class C>
TT_INLINE void run_body_lets(const Body& fn, Slots& slots, const C& c) {
  using lets = typename Info::lets;
  static_for<lets::size>([&](auto k) TT_INLINE_LAMBDA {
    find_let<typename at_t<k, lets>::name_type>(fn).body.forward(std::get<k>(slots.recs), c);
  });
}
template <class Info, class Processed, class Body, class Slots, class B>
TT_INLINE void back_body_lets(const Body& fn, const Slots& slots, B& bc) {
  using lets = typename Info::lets;
  static_for<lets::size>([&](auto j) TT_INLINE_LAMBDA {
    constexpr std::size_t li = lets::size - 1 - j;
    using N = typename at_t<li, lets>::name_type;
    if constexpr (contains_v<N, typename names_of<Processed>::type>)
      find_let<N>(fn).body.backward(std::get<li>(slots.recs), bc.template get<N>(), bc);
  });
}

/// A bound of a loop: a number, or an enclosing loop's index (a triangular loop).
template <class B>
TT_INLINE std::ptrdiff_t bound_value(const B& b, const auto& ctx) {
  if constexpr (is_loop_index<B>)
    return index_value(b, ctx);
  else
    return static_cast<std::ptrdiff_t>(b);
}

/// The vector a map_over gives (eval/tensor.hpp: a rank-1 xt::xtensor).
template <class T>
struct vector_value;

struct sum_kind {};
struct map_kind {};
template <class Kind, class T>
struct loop_value {  // a sum: the body's value type
  using type = T;
};
template <class T>
struct loop_value<map_kind, T> : vector_value<T> {};

/// A sum or a map over an index in [lo, hi).
template <class Name, class Kind, class Body, class Lo, class Hi>
struct loop_node {
  using tt_expression = void;
  using info = body_info<Name, Body>;
  using body_value = typename Body::value_type;
  using value_type = typename loop_value<Kind, body_value>::type;
  static constexpr bool is_sum = std::is_same_v<Kind, sum_kind>;
  using loop_body = Body;
  Body fn;
  Lo lo;
  Hi hi;

  struct record {
    value_type v;
    typename info::snapshot snap;
  };

  template <class Ctx>
  void forward(record& r, const Ctx& ctx) const {
    take_snapshot<info>(fn, r.snap, ctx);
    const std::ptrdiff_t a = bound_value(lo, ctx), b = std::max(a, bound_value(hi, ctx));
    if constexpr (is_sum) {
      if constexpr (tensor_like<value_type>)
        r.v = value_type{};
      else
        r.v = value_type(0);
    } else {
      r.v.resize({static_cast<std::size_t>(b - a)});
    }
    typename info::slots slots{};
    typename Body::record rec{};
    for (std::ptrdiff_t i = a; i < b; ++i) {
      const loop_fwd_ctx<Ctx, Name, info, void> c(ctx, slots, r.snap, i, nullptr);
      run_body_lets<info>(fn, slots, c);
      fn.forward(rec, c);
      if constexpr (!is_sum) {
        r.v.data()[i - a] = val(rec);
      } else if constexpr (tensor_like<value_type>) {
        if (i == a)
          r.v = val(rec);
        else
          add_into(r.v, val(rec));
      } else {
        r.v += val(rec);
      }
    }
  }
  /// A sum's value is not needed (tt::gradient's short form): nothing runs forward but
  /// the recording of the variables' values.
  template <class Ctx>
  TT_INLINE void forward_inputs(record& r, const Ctx& ctx) const requires is_sum {
    take_snapshot<info>(fn, r.snap, ctx);
  }

  template <class G, class Ctx>
  void backward(const record& r, const G& g, Ctx& ctx) const {
    check_snapshot<info>(fn, r.snap);
    const std::ptrdiff_t a = bound_value(lo, ctx), b = std::max(a, bound_value(hi, ctx));
    if constexpr (!is_sum) check_same_shape("map_over: output_gradients", r.v, g);
    using processed =
        typename processed_lets<typename info::lets, tlist<Body>, typename Ctx::wanted_names>::type;
    using wanted =
        typename concat<typename Ctx::wanted_names, typename names_of<processed>::type>::type;
    using acc_t = typename info::acc;
    using bctx = loop_bwd_ctx<Ctx, Name, wanted, typename names_of<processed>::type,
                              typename map_list<processed, let_value_t>::type, void, acc_t>;
    acc_t acc{};
    if constexpr (info::tensors::size > 0)
      if (b > a) find_buffers<info>(fn, acc, ctx);
    typename info::slots slots{};
    typename Body::record rec{};
    for (std::ptrdiff_t i = a; i < b; ++i) {
      const loop_fwd_ctx<Ctx, Name, info, void> c(ctx, slots, r.snap, i, nullptr);
      run_body_lets<info>(fn, slots, c);
      if constexpr (sums_region_v<Body>)
        fn.forward_inputs(rec, c);  // a sum in a sum: its value unread
      else
        fn.forward(rec, c);
      bctx bc(ctx, acc, i, nullptr);
      if constexpr (is_sum)
        fn.backward(rec, g, bc);
      else
        fn.backward(rec, static_cast<body_value>(g.data()[i - a]), bc);
      back_body_lets<info, processed>(fn, slots, bc);
    }
    flush_sums(acc, ctx);
  }

  template <class F>
  TT_INLINE constexpr void tt_visit(F& f) const {
    for_each_named(fn, f);
  }
  template <class N>
  TT_INLINE constexpr const auto& tt_find_let() const {  // a hoisted let
    return find_let<N>(fn);
  }
  TT_INLINE constexpr bool tt_same(const loop_node& o) const {
    return same_tree(fn, o.fn) && same_bound(lo, o.lo) && same_bound(hi, o.hi);
  }

 private:
  template <class B>
  static constexpr bool same_bound(const B& x, const B& y) {
    if constexpr (is_loop_index<B>)
      return x.off == y.off;
    else
      return x == y;
  }
};

template <class Name, class Body, class Lo, class Hi>
inline constexpr bool sums_region_v<loop_node<Name, sum_kind, Body, Lo, Hi>> = true;

/// A recurrence: state_{t+1} = cell(state_t, t) for t in [0, steps); its value is the last state.
template <class Name, class Body, class Init>
struct fold_node {
  using tt_expression = void;
  using info = body_info<Name, Body>;
  using value_type = typename Init::value_type;
  using state_name = fold_state<Name>;
  Init init;
  Body fn;
  std::size_t steps;

  struct record {
    value_type v;
    typename Init::record init;
    std::vector<value_type> states;  // states[t]: the state step t read
    typename info::snapshot snap;
  };

  template <class Ctx>
  void forward(record& r, const Ctx& ctx) const {
    init.forward(r.init, ctx);
    take_snapshot<info>(fn, r.snap, ctx);
    r.states.resize(steps);
    typename info::slots slots{};
    typename Body::record rec{};
    const value_type* cur = &val(r.init);
    for (std::size_t t = 0; t < steps; ++t) {
      r.states[t] = *cur;
      const loop_fwd_ctx<Ctx, Name, info, value_type> c(
          ctx, slots, r.snap, static_cast<std::ptrdiff_t>(t), &r.states[t]);
      run_body_lets<info>(fn, slots, c);
      fn.forward(rec, c);
      cur = &val(rec);
    }
    r.v = *cur;
  }

  template <class G, class Ctx>
  void backward(const record& r, const G& g, Ctx& ctx) const {
    check_snapshot<info>(fn, r.snap);
    using processed = typename processed_lets<
        typename info::lets, tlist<Body>,
        typename concat<typename Ctx::wanted_names, tlist<state_name>>::type>::type;
    using own = typename concat<tlist<state_name>, typename names_of<processed>::type>::type;
    using wanted = typename concat<typename Ctx::wanted_names, own>::type;
    using acc_t = typename info::acc;
    using bctx = loop_bwd_ctx<
        Ctx, Name, wanted, own,
        typename concat<tlist<value_type>, typename map_list<processed, let_value_t>::type>::type,
        value_type, acc_t>;
    acc_t acc{};
    if constexpr (info::tensors::size > 0)
      if (steps > 0) find_buffers<info>(fn, acc, ctx);
    value_type gs = g;
    typename info::slots slots{};
    typename Body::record rec{};
    for (std::size_t t = steps; t-- > 0;) {
      const loop_fwd_ctx<Ctx, Name, info, value_type> c(
          ctx, slots, r.snap, static_cast<std::ptrdiff_t>(t), &r.states[t]);
      run_body_lets<info>(fn, slots, c);
      fn.forward(rec, c);
      bctx bc(ctx, acc, static_cast<std::ptrdiff_t>(t), &r.states[t]);
      if constexpr (bctx::template wants<Body>) fn.backward(rec, gs, bc);
      back_body_lets<info, processed>(fn, slots, bc);
      if (bc.template has<state_name>())
        gs = std::move(bc.template get<state_name>());
      else if constexpr (tensor_like<value_type>)
        gs = zeros_like(r.states[t]);
      else
        gs = value_type(0);
    }
    flush_sums(acc, ctx);
    if constexpr (Ctx::template wants<Init>) init.backward(r.init, gs, ctx);
  }

  template <class F>
  TT_INLINE constexpr void tt_visit(F& f) const {
    for_each_named(init, f);
    for_each_named(fn, f);
  }
  template <class N>
  TT_INLINE constexpr const auto& tt_find_let() const {  // in the initial state, or a hoisted let
    if constexpr (has_let_v<Init, N>)
      return find_let<N>(init);
    else
      return find_let<N>(fn);
  }
  TT_INLINE constexpr bool tt_same(const fold_node& o) const {
    return steps == o.steps && same_tree(init, o.init) && same_tree(fn, o.fn);
  }
};

template <class N2, class Kind, class Body, class Lo, class Hi, class Name>
struct varies<loop_node<N2, Kind, Body, Lo, Hi>, Name>
    : std::bool_constant<varies<Body, Name>::value || std::is_same_v<Lo, loop_index<Name>> ||
                         std::is_same_v<Hi, loop_index<Name>>> {};
template <class N2, class Body, class Init, class Name>
struct varies<fold_node<N2, Body, Init>, Name>
    : std::bool_constant<varies<Body, Name>::value || varies<Init, Name>::value> {};

// ---- the analysis sees through a loop: its body's sources, not its body's own lets ----------
template <class Name, class Body, class N>
inline constexpr unsigned body_reach_v =
    contains_v<N, typename body_info<Name, Body>::let_names> ? 0u : reach_v<Body, N>;

template <class Name, class Kind, class Body, class Lo, class Hi, class N>
struct reach_of<loop_node<Name, Kind, Body, Lo, Hi>, N>
    : std::integral_constant<unsigned, body_reach_v<Name, Body, N>> {};

/// What reaches a result through a placeholder whose own reach in the body is `c`.
constexpr unsigned reach_through(unsigned c, unsigned r) {
  if (c == 0) return 0u;
  if (c & reach::live) return r;
  return reach::cut(c & ~reach::live, r);
}
template <class Name, class Body, class Init, class N>
struct reach_of<fold_node<Name, Body, Init>, N>
    : std::integral_constant<unsigned,
                             body_reach_v<Name, Body, N> |
                                 reach_through(reach_v<Body, fold_state<Name>>, reach_v<Init, N>)> {
};

template <class Acc, class L>
struct push_all;
template <class Acc, class... X>
struct push_all<Acc, tlist<X...>> {
  using type = typename collect_named_all<Acc, X...>::type;
};
template <class Name, class Kind, class Body, class Lo, class Hi, class Acc>
struct collect_named<loop_node<Name, Kind, Body, Lo, Hi>, Acc>
    : push_all<typename push_all<Acc, typename body_info<Name, Body>::params>::type,
               typename body_info<Name, Body>::hoisted> {};
template <class Name, class Body, class Init, class Acc>
struct collect_named<fold_node<Name, Body, Init>, Acc>
    : push_all<typename push_all<typename collect_named<Init, Acc>::type,
                                 typename body_info<Name, Body>::params>::type,
               typename body_info<Name, Body>::hoisted> {};
template <class Name, class Kind, class Body, class Lo, class Hi, class N>
inline constexpr bool has_let_v<loop_node<Name, Kind, Body, Lo, Hi>, N> =
    contains_v<N, typename body_info<Name, Body>::hoisted_names>;
template <class Name, class Body, class Init, class N>
inline constexpr bool has_let_v<fold_node<Name, Body, Init>, N> =
    has_let_v<Init, N> || contains_v<N, typename body_info<Name, Body>::hoisted_names>;

/// Calls the body on its placeholders; numbers become constants.
template <class R>
TT_INLINE constexpr auto as_body(R&& r) {
  if constexpr (expression<R>)
    return std::forward<R>(r);
  else
    return constant<std::remove_cvref_t<R>>{std::forward<R>(r)};
}

}  // namespace detail

template <class Name>
template <class T>
constexpr auto loop_index<Name>::as() const {
  return detail::index_leaf<Name, T>{off};
}

namespace detail {
template <class I>
struct index_name_of {
  using type = no_index_name;
};
template <class N>
struct index_name_of<loop_index<N>> {
  using type = N;
};
template <class I>
using index_name_t = typename index_name_of<std::remove_cvref_t<I>>::type;
template <class I>
constexpr std::ptrdiff_t index_off(const I& i) {
  if constexpr (is_loop_index<I>)
    return i.off;
  else
    return static_cast<std::ptrdiff_t>(i);
}
// clang-format 14 misreads a requires-expression inside a concept
// clang-format off
template <class D>
concept loop_data = !expression<D> && !is_variable<std::remove_cvref_t<D>> &&
                    requires(const D& d) { d.data(); d.size(); } &&
                    std::is_arithmetic_v<std::remove_cvref_t<decltype(*std::declval<const D&>().data())>>;
// clang-format on
}  // namespace detail

/// Element (i, j, ...) of a tensor variable, of a fold's tensor state, or of data (a
/// std::vector, std::array, std::span or xtensor, read in place: it must outlive the
/// expression and stay unchanged until the gradient). Indices are loop indices (`i`,
/// `i + 1`) or plain integers, one per axis. An index out of range throws tt::shape_error.
template <class V, class... I>
  requires(detail::is_variable<std::remove_cvref_t<V>> && (detail::index_operand<I> && ...))
constexpr auto at(V&& v, const I&... ix) {
  using D = std::remove_cvref_t<V>;
  using N = typename D::name_type;
  using T = typename D::value_type;
  static_assert(diag::variable_is_not_a_temporary<N, std::is_lvalue_reference_v<V>>, TT_E09);
  constexpr bool fits = tensor_like<T> && sizeof...(I) == detail::rank_v<T>;
  static_assert(diag::axis_and_rank_fit_the_op<T, fits>, TT_E13_AT);
  return detail::elem_node<var_ref<N, T>, detail::index_name_t<I>...>{{&v},
                                                                      {detail::index_off(ix)...}};
}
template <class N, class T, class... I>
  requires(detail::index_operand<I>&&...)
constexpr auto at(const detail::carry_ref<N, T>& c, const I&... ix) {
  constexpr bool fits = tensor_like<T> && sizeof...(I) == detail::rank_v<T>;
  static_assert(diag::axis_and_rank_fit_the_op<T, fits>, TT_E13_AT);
  return detail::elem_node<detail::carry_ref<N, T>, detail::index_name_t<I>...>{
      c, {detail::index_off(ix)...}};
}
template <class D, class... I>
  requires(detail::loop_data<std::remove_cvref_t<D>> && (detail::index_operand<I> && ...))
constexpr auto at(D&& d, const I&... ix) {
  using C = std::remove_cvref_t<D>;
  static_assert(std::is_lvalue_reference_v<D>, TT_E09_AT);
  constexpr std::size_t R = [] {
    if constexpr (tensor_like<C>)
      return detail::rank_v<C>;
    else
      return std::size_t{1};
  }();
  static_assert(diag::axis_and_rank_fit_the_op<C, sizeof...(I) == R>, TT_E13_AT);
  using E = std::remove_cvref_t<decltype(*d.data())>;
  std::array<std::size_t, R> shape{};
  for (std::size_t k = 0; k < R; ++k) shape[k] = detail::extent(d, k);
  return detail::elem_node<detail::data_ref<E, R>, detail::index_name_t<I>...>{
      {d.data(), shape}, {detail::index_off(ix)...}};
}

/// The value of a loop index as a constant of type T in the body.
template <class T, class N>
constexpr auto index_as(const loop_index<N>& i) {
  return detail::index_leaf<N, T>{i.off};
}

/// tt::at, except that an index out of range reads `fill` (a constant: no gradient), as a
/// zero-padded or fixed boundary: `tt::at_or(0.0, u, i - 1)`.
template <class F, class A, class... I>
  requires(number<F> && (detail::index_operand<I> && ...) &&
           requires(A && a, const I&... ix) { at(std::forward<A>(a), ix...); })
constexpr auto at_or(F fill, A&& a, const I&... ix) {
  auto e = at(std::forward<A>(a), ix...);
  e.padded = true;
  e.fill = static_cast<typename decltype(e)::value_type>(fill);
  return e;
}

/// The sum of body(i) over i in [lo, hi); a bound may be an enclosing loop's index
/// (`tt::sum_over<"j">(i + 1, n, ...)`). An empty range gives 0.
template <fixed_string S, class Lo, class Hi, class F>
  requires(detail::index_operand<Lo>&& detail::index_operand<Hi>)
constexpr auto sum_over(Lo lo, Hi hi, F&& body) {
  using name = name_of<S>;
  auto b = detail::as_body(std::forward<F>(body)(loop_index<name>{}));
  using B = decltype(b);
  return detail::loop_node<name, detail::sum_kind, B, Lo, Hi>{std::move(b), lo, hi};
}
/// The sum of body(i) over i in [0, n): `tt::sum_over<"i">(n, [&](auto i) { ... })`.
/// The body is called once, here, with a placeholder index; it returns one expression.
template <fixed_string S, class Hi, class F>
  requires detail::index_operand<Hi>
constexpr auto sum_over(Hi n, F&& body) {
  // (not a call of the three-argument form: a diagnostic in the body would print one
  // more level of instantiation notes)
  using name = name_of<S>;
  auto b = detail::as_body(std::forward<F>(body)(loop_index<name>{}));
  return detail::loop_node<name, detail::sum_kind, decltype(b), std::size_t, Hi>{std::move(b), 0,
                                                                                 n};
}
/// The vector whose element i is body(i), i in [0, n) (a rank-1 xt::xtensor: include
/// <typetape/tensor.hpp>).
template <fixed_string S, class F>
constexpr auto map_over(std::size_t n, F&& body) {
  using name = name_of<S>;
  auto b = detail::as_body(std::forward<F>(body)(loop_index<name>{}));
  using B = decltype(b);
  static_assert(!tensor_like<typename B::value_type>, TT_E15_MAP_OVER);
  return detail::loop_node<name, detail::map_kind, B, std::size_t, std::size_t>{std::move(b), 0, n};
}
/// A recurrence over t in [0, steps): state_{t+1} = cell(state_t, t), from init; its value
/// is the last state (init itself after zero steps). The state is a number or a tensor
/// (tt::at(state, i) reads its elements); the cell returns the next state, of the same
/// value type. Gradients flow to the cell's variables and to init.
template <fixed_string S, class Init, class F>
  requires operand<Init>
constexpr auto fold(std::size_t steps, Init&& init, F&& cell) {
  using name = name_of<S>;
  using temporary = typename detail::first_temporary<Init&&>::type;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using V = detail::common_expr_value_t<std::remove_cvref_t<Init>>;
  auto i = detail::close<V>(std::forward<Init>(init));
  using I = decltype(i);
  using T = typename I::value_type;
  auto b = detail::as_body(
      std::forward<F>(cell)(detail::carry_ref<detail::fold_state<name>, T>{}, loop_index<name>{}));
  using B = decltype(b);
  static_assert(std::is_same_v<typename B::value_type, T>, TT_E15_FOLD_STATE);
  return detail::fold_node<name, B, I>{std::move(i), std::move(b), steps};
}

}  // namespace tt
