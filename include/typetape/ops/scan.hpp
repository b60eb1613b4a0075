// scan: a cell of one fixed expression type applied over the leading (time) axis of a
// tensor, with a run-time number of steps; the backward pass is a loop over the stored
// steps (backpropagation through time).
//
//   auto cell = [&](const auto& h, const auto& x) { return tt::tanh(tt::matmul(x, W) +
//   tt::matmul(h, U) + b); }; auto hT = tt::scan<"rnn">(cell, h0, xs);                     // xs:
//   [T, batch, in]; value: h_T auto hs = tt::scan<"rnn", tt::all_steps>(cell, h0, xs);      // h_1
//   .. h_T stacked: [T, batch, H] auto h = tt::scan<"lstm">(lstm, std::tie(h0, c0), xs);      //
//   lstm(h, c, x) -> std::tuple(h', c') auto [gW, gU, gb] = tt::gradient(tt::sum(hT), std::tie(W,
//   U, b));
//
// The cell is called once, on placeholders (carry_ref leaves), when the scan is built:
// its result is an ordinary expression type, so every op, fusion and the compile-time
// checks work inside it unchanged. Variables it uses are the scan's parameters (their
// adjoints are accumulated over the steps straight into the tape's); lets made inside
// it are per step. The forward pass keeps each step's record (what the cell's own
// backward needs: the fused regions' results and inputs), so memory grows with T; it is
// released with the tape.
#pragma once

#include <cstring>
#include <memory>
#include <algorithm>
#include <string>
#include <vector>

#include "../detail/contexts.hpp"
#include "loop.hpp"
#include "../eval/tensor.hpp"

namespace tt {

/// The scan's value: the final state (the default), or every step's state stacked.
struct final_state {};
struct all_steps {};
/// Rematerialisation: keep the state every `every` steps and recompute each segment's
/// steps in the backward pass (memory ~ T/every states + every step records, for one
/// more forward pass). 0 keeps every step's record.
struct checkpoint {
  std::size_t every = 0;
};

namespace detail {

/// What a TT-E09 about a temporary layer or cell names: the names of the variables it owns
/// (params()), readable on both compilers (clang 14 prints a layer's fixed_string name as
/// numbers); the type itself for one that owns none.
template <class C>
struct owned_names {
  using type = C;
};
template <class C>
  requires requires(C& c) { c.params(); }
struct owned_names<C> {
  template <class... V>
  static auto names(std::tuple<V...>*) -> tlist<typename std::remove_cvref_t<V>::name_type...>;
  using type = decltype(names(static_cast<decltype(std::declval<C&>().params())*>(nullptr)));
};
template <class C>
using owned_names_t = typename owned_names<C>::type;

/// The name of part K of a scan's state (K = parts: its step input). Not a user name:
/// a placeholder never collides with a variable.
template <class ScanName, std::size_t K>
struct carry_name {
  static constexpr std::string_view view() noexcept { return ScanName::view(); }
};

/// The value a step reads from a [T, ...] tensor: a tensor of one rank less, or an element.
template <class Xs>
struct step_of {
  using type = xt::xtensor<elem_t<Xs>, rank_v<Xs> - 1>;
};
template <class Xs>
  requires(rank_v<Xs> == 1)
struct step_of<Xs> {
  using type = elem_t<Xs>;
};

/// Steps of one value stacked along a new leading axis.
template <class S>
struct stacked_of {
  using type = xt::xtensor<elem_t<S>, rank_v<S> + 1>;
};

template <class Name, class Mode, class Cell, class Xs, class Inits>
struct scan_node;

/// The forward context of one step: the step's let slots, and the values its
/// placeholders read.
template <class Slots, class CarryNames, class Ptrs>
struct step_fwd_ctx {
  const Slots& slots;
  Ptrs cur;
  template <class Name>
  TT_INLINE const auto& let_value() const {
    return val(std::get<index_of_v<Name, typename Slots::names>>(slots.recs));
  }
  template <class Name>
  TT_INLINE auto carry() const {
    return std::get<index_of_v<Name, CarryNames>>(cur);
  }
};

/// The backward context of one step: adjoints of the placeholders and of the cell's
/// lets are its own; every other name (the cell's variables) goes to the tape's.
template <class Wanted, class Names, class Values, class Outer, class CarryNames, class Ptrs>
struct step_bwd_ctx : bwd_ctx<Wanted, Names, Values> {
  using base = bwd_ctx<Wanted, Names, Values>;
  Outer& outer;
  const Ptrs& cur;  // the values the step read (a loop in the cell reruns its body from them)
  step_bwd_ctx(Outer& o, const Ptrs& in) : outer(o), cur(in) {}
  template <class Name, class G>
  TT_INLINE void accumulate(G&& g) {
    if constexpr (contains_v<Name, Names>)
      base::template accumulate<Name>(std::forward<G>(g));
    else
      outer.template accumulate<Name>(std::forward<G>(g));
  }
  template <class Name, class G, class Like>
  TT_INLINE void accumulate_element(std::size_t flat, const G& g, const Like& like) {
    if constexpr (contains_v<Name, Names>)
      base::template accumulate_element<Name>(flat, g, like);
    else
      outer.template accumulate_element<Name>(flat, g, like);
  }
  template <class Name, class Like>
  TT_INLINE auto* element_buffer(const Like& like) {
    if constexpr (contains_v<Name, Names>)
      return base::template element_buffer<Name>(like);
    else
      return outer.template element_buffer<Name>(like);
  }
  template <class Name, class Like>
  TT_INLINE auto* write_buffer(const Like& like, bool& add) {
    if constexpr (contains_v<Name, Names>)
      return base::template write_buffer<Name>(like, add);
    else
      return outer.template write_buffer<Name>(like, add);
  }
  template <class Name>
  TT_INLINE auto carry() const {
    return std::get<index_of_v<Name, CarryNames>>(cur);
  }
};

template <class Name, class Seq>
struct carry_list;
template <class Name, std::size_t... K>
struct carry_list<Name, std::index_sequence<K...>> {
  using type = tlist<carry_name<Name, K>...>;
};
template <class Cell>
struct cell_info;
template <class... O>
struct cell_info<std::tuple<O...>> {
  using outs = tlist<O...>;
  using lets = lets_t<O...>;
  using named = named_t<O...>;
  using records = std::tuple<typename O::record...>;
};

template <class Name, class Mode, class Cell, class Xs, class... Init>
struct scan_node<Name, Mode, Cell, Xs, tlist<Init...>> {
  using tt_expression = void;
  static constexpr std::size_t parts = sizeof...(Init);
  using states = tlist<typename Init::value_type...>;
  using xs_value = typename Xs::value_type;
  using x_type = typename step_of<xs_value>::type;
  using state0 = at_t<0, states>;
  using value_type = std::conditional_t<std::is_same_v<Mode, all_steps>,
                                        typename stacked_of<state0>::type, state0>;
  using cell_type = Cell;  // std::tuple of the cell's results, one per state part
  using carry_names = typename carry_list<Name, std::make_index_sequence<parts + 1>>::type;
  using outs = typename cell_info<Cell>::outs;
  using lets = typename cell_info<Cell>::lets;
  /// The variables and watched constants the cell uses (its parameters).
  using params = typename keep_if<typename cell_info<Cell>::named, is_leaf_source>::type;

  std::tuple<Init..., Xs> kids;
  Cell cell;

  /// The analysis hooks (detail/analysis.hpp): what it holds is its operands, then its
  /// cell; two scans are one computation when those are and the checkpointing is too.
  template <class F>
  TT_INLINE constexpr void tt_visit(F& f) const {
    auto visit = [&](const auto& k) TT_INLINE_LAMBDA { for_each_named(k, f); };
    for_each_element(kids, visit);
    for_each_element(cell, visit);
  }
  TT_INLINE constexpr bool tt_same(const scan_node& o) const {
    return every == o.every && same_tree(kids, o.kids) && same_tree(cell, o.cell);
  }

  using slots_t = let_slots<lets>;
  struct step_record {
    slots_t slots;
    typename cell_info<Cell>::records recs;
  };
  using ptrs = std::tuple<const typename Init::value_type*..., const x_type*>;
  using state_values = std::tuple<typename Init::value_type...>;
  struct record {
    value_type v;
    std::tuple<typename Init::record..., typename Xs::record> kids;
    std::vector<x_type> xs;  // the step inputs
    // The initial state, copied where a move of the record (of its tape) leaves it: the
    // first step's records point at it. Also makes the record move-only, so a tape
    // holding a scan cannot be copied with pointers into the original.
    std::unique_ptr<state_values> init;
    state_values last;                // the state after the last step
    std::vector<ptrs> at;             // at[t]: the values step t read (state t, x_t)
    std::vector<step_record> steps;   // what each step's backward pass needs
    std::vector<state_values> saved;  // checkpointing: the state at t = 0, k, 2k, ...
  };
  std::size_t every =
      0;  // checkpointing: keep the state every `every` steps, recompute the rest (0: keep all)

  template <class Ctx>
  void forward(record& r, const Ctx& ctx) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(kids).forward(std::get<I>(r.kids), ctx), ...);
    }
    (std::make_index_sequence<parts + 1>{});
    const auto& xs = val(std::get<parts>(r.kids));
    const std::size_t T = xs.shape()[0];
    split(xs, r.xs, T);
    if (!r.init)
      r.init = std::make_unique<state_values>([&]<std::size_t... K>(std::index_sequence<K...>) {
        return state_values(val(std::get<K>(r.kids))...);
      }(std::make_index_sequence<parts>{}));
    else  // a record written over (a tt::gradient_plan's): into the storage there
      static_for<parts>([&](auto k) { std::get<k>(*r.init) = val(std::get<k>(r.kids)); });
    ptrs cur = pointers(*r.init);
    // the step records of an earlier forward pass (a tt::gradient_plan's) are written over:
    // their tensors' storage is reused
    r.saved.clear();
    r.steps.resize(every ? std::min<std::size_t>(T, 2) : T);  // checkpointing: two records, in turn
    if (!every) r.at.resize(T);
    for (std::size_t t = 0; t < T; ++t) {
      if (every && t % every == 0) r.saved.push_back(copy_state(cur));
      std::get<parts>(cur) = &r.xs[t];
      if (!every) r.at[t] = cur;
      cur = run_step(r.steps[every ? t % 2 : t], cur);
      if constexpr (std::is_same_v<Mode, all_steps>) put_block(r.v, *std::get<0>(cur), t, T);
    }
    static_for<parts>([&](auto k) { std::get<k>(r.last) = *std::get<k>(cur); });
    if constexpr (std::is_same_v<Mode, all_steps>) {
      if (T == 0) put_block(r.v, std::get<0>(r.last), 0, 0);
    } else {
      r.v = std::get<0>(r.last);
    }
    if (every) r.steps.clear();  // the backward pass recomputes each segment
  }

  template <class G, class Ctx>
  void backward(const record& r, const G& g, Ctx& ctx) const {
    const std::size_t T = r.xs.size();
    // the state's adjoint after the last step: g for part 0 (final_state), zeros else
    auto ga = [&]<std::size_t... K>(std::index_sequence<K...>) {
      return state_values(zero_of<K>(r.last)...);
    }
    (std::make_index_sequence<parts>{});
    if constexpr (!std::is_same_v<Mode, all_steps>)
      std::get<0>(ga) = g;
    else
      check_same_shape("scan (all_steps): output_gradients", r.v, g);
    constexpr bool want_xs = Ctx::template wants<Xs>;
    xs_value gxs{};
    if constexpr (want_xs) gxs = zeros_like(val(std::get<parts>(r.kids)));
    auto back = [&](const step_record& s, const ptrs& in, std::size_t t) {
      if constexpr (std::is_same_v<Mode, all_steps>) add_block(std::get<0>(ga), g, t);
      // the first step's state adjoint is needed only for a wanted initial state
      if (t > 0)
        step_back<false, want_xs>(s, in, t, ga, gxs, ctx);
      else
        step_back<true, want_xs>(s, in, t, ga, gxs, ctx);
    };
    if (!every) {
      for (std::size_t t = T; t-- > 0;) back(r.steps[t], r.at[t], t);
    } else {  // segment by segment from the last: recompute its steps from its checkpoint
      std::vector<step_record> seg(std::min(every, T));
      std::vector<ptrs> in(seg.size());
      for (std::size_t k = r.saved.size(); k-- > 0;) {
        const std::size_t t0 = k * every, t1 = std::min(T, t0 + every);
        ptrs cur = pointers(r.saved[k]);
        for (std::size_t t = t0; t < t1; ++t) {
          std::get<parts>(cur) = &r.xs[t];
          in[t - t0] = cur;
          cur = run_step(seg[t - t0], cur);
        }
        for (std::size_t t = t1; t-- > t0;) back(seg[t - t0], in[t - t0], t);
      }
    }
    static_for<parts>([&](auto k) {
      using K = std::tuple_element_t<k, std::tuple<Init...>>;
      if constexpr (Ctx::template wants<K>)
        std::get<k>(kids).backward(std::get<k>(r.kids), std::get<k>(ga), ctx);
    });
    if constexpr (want_xs) std::get<parts>(kids).backward(std::get<parts>(r.kids), gxs, ctx);
  }

 private:
  /// One step's forward pass into s, from the values `in` points at; where its state went.
  ptrs run_step(step_record& s, const ptrs& in) const {
    const step_fwd_ctx<slots_t, carry_names, ptrs> c{s.slots, in};
    static_for<lets::size>([&](auto i) {
      using L = at_t<i, lets>;
      find_let_in<typename L::name_type>(cell).body.forward(std::get<i>(s.slots.recs), c);
    });
    ptrs out{};
    static_for<parts>([&](auto k) {
      std::get<k>(cell).forward(std::get<k>(s.recs), c);
      std::get<k>(out) = &val(std::get<k>(s.recs));
    });
    return out;
  }
  static state_values copy_state(const ptrs& p) {
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      return state_values(*std::get<K>(p)...);
    }
    (std::make_index_sequence<parts>{});
  }
  static ptrs pointers(const state_values& s) {
    ptrs p{};
    static_for<parts>([&](auto k) { std::get<k>(p) = &std::get<k>(s); });
    return p;
  }
  template <std::size_t K, class P>
  static auto zero_of(const P& state) {  // zeros shaped like part K of a state (values or pointers)
    using S = at_t<K, states>;
    const S& v = [&]() -> const S& {
      if constexpr (std::is_pointer_v<std::remove_cvref_t<decltype(std::get<K>(state))>>)
        return *std::get<K>(state);
      else
        return std::get<K>(state);
    }();
    if constexpr (tensor_like<S>)
      return zeros_like(v);
    else
      return S(0);
  }

  /// The names of the placeholders whose adjoints a step must compute.
  template <bool First, bool WantXs, class Ctx>
  struct step_names {
    template <std::size_t K>
    static constexpr bool keep() {
      if constexpr (K == parts)
        return WantXs;
      else if constexpr (First)
        return Ctx::template wants<std::tuple_element_t<K, std::tuple<Init...>>>;
      else
        return true;
    }
    template <class Seq>
    struct kept;
    template <std::size_t... K>
    struct kept<std::index_sequence<K...>> {
      using type = typename concat<
          std::conditional_t<keep<K>(), tlist<carry_name<Name, K>>, tlist<>>...>::type;
    };
    using carries = typename kept<std::make_index_sequence<parts + 1>>::type;
    using wanted = typename concat<typename Ctx::wanted_names, carries>::type;
    using processed = typename processed_lets<lets, outs, wanted>::type;
    template <class C>
    using carry_value =
        at_t<index_of_v<C, carry_names>, tlist<typename Init::value_type..., x_type>>;
    using values = typename concat<typename map_list<carries, carry_value>::type,
                                   typename map_list<processed, let_value_t>::type>::type;
    using names = typename concat<carries, typename names_of<processed>::type>::type;
    using type = step_bwd_ctx<wanted, names, values, Ctx, carry_names, ptrs>;
  };

  template <bool First, bool WantXs, class Ga, class Ctx>
  void step_back(const step_record& s, const ptrs& in, std::size_t t, Ga& ga, xs_value& gxs,
                 Ctx& ctx) const {
    using sn = step_names<First, WantXs, Ctx>;
    typename sn::type c(ctx, in);
    static_for<parts>([&](auto k) {
      using O = at_t<k, outs>;
      if constexpr (sn::type::template wants<O>)
        std::get<k>(cell).backward(std::get<k>(s.recs), std::get<k>(ga), c);
    });
    static_for<lets::size>([&](auto j) {
      constexpr std::size_t li = lets::size - 1 - j;
      using N = typename at_t<li, lets>::name_type;
      if constexpr (contains_v<N, typename names_of<typename sn::processed>::type>)
        find_let_in<N>(cell).body.backward(std::get<li>(s.slots.recs), c.template get<N>(), c);
    });
    static_for<parts>([&](auto k) {
      using C = carry_name<Name, k>;
      if constexpr (contains_v<C, typename sn::names>) {
        if (c.template has<C>())
          std::get<k>(ga) = std::move(c.template get<C>());
        else
          std::get<k>(ga) = zero_of<k>(in);
      }
    });
    if constexpr (WantXs) {
      using C = carry_name<Name, parts>;
      if (c.template has<C>()) {
        const auto& gx = c.template get<C>();
        const x_type& x = *std::get<parts>(in);
        check_same_shape("scan: input adjoint", x, gx);
        const std::size_t n = element_count(x);
        std::memcpy(gxs.data() + t * n, element_data(gx), n * sizeof(elem_t<xs_value>));
      }
    }
  }

  static void split(const xs_value& xs, std::vector<x_type>& out, std::size_t T) {
    out.resize(T);
    if (T == 0) return;
    const std::size_t n = xs.size() / T;
    for (std::size_t t = 0; t < T; ++t) {
      if constexpr (tensor_like<x_type>) {
        typename x_type::shape_type shape;
        for (std::size_t a = 0; a + 1 < xs.shape().size(); ++a) shape[a] = xs.shape()[a + 1];
        out[t].resize(shape);
        std::copy(xs.data() + t * n, xs.data() + (t + 1) * n, out[t].data());
      } else {
        out[t] = xs.data()[t];
      }
    }
  }

  /// Writes state part 0 of step t into the stacked value (sized at the first step).
  static void put_block(value_type& v, const state0& s, std::size_t t, std::size_t T) {
    const std::size_t n = element_count(s);
    if (t == 0) {
      typename value_type::shape_type shape{};
      shape[0] = T;
      if constexpr (tensor_like<state0>)
        for (std::size_t a = 0; a < rank_v<state0>; ++a) shape[a + 1] = s.shape()[a];
      v.resize(shape);
    } else if (v.size() != T * n) {
      throw shape_error("scan (all_steps): the state changes shape between steps, to " +
                        shape_str(shape_of(s)) + " at step " + std::to_string(t));
    }
    if (T) std::copy(element_data(s), element_data(s) + n, v.data() + t * n);
  }

  static void add_block(state0& a, const value_type& g, std::size_t t) {
    const std::size_t n = element_count(a);
    const auto* q = g.data() + t * n;
    if constexpr (tensor_like<state0>) {
      auto* p = a.data();
      for (std::size_t i = 0; i < n; ++i) p[i] += q[i];
    } else {
      a += *q;
    }
  }
};

// ---- the analysis and the tree walks see through a scan -------------------------------------
template <class L>
struct or_reach;
template <class... O>
struct or_reach<tlist<O...>> {
  template <class N>
  static constexpr unsigned of = (0u | ... | reach_v<O, N>);
};

template <class Name, class Mode, class Cell, class Xs, class... Init, class N>
struct reach_of<scan_node<Name, Mode, Cell, Xs, tlist<Init...>>, N> {
  using S = scan_node<Name, Mode, Cell, Xs, tlist<Init...>>;
  using body = or_reach<typename S::outs>;
  static constexpr unsigned value = [] {
    unsigned r = body::template of<N>;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      // an initial state reaches the result only through the cell's reads of it (after zero
      // steps the result is the initial state itself, but a cell that never reads it makes
      // it unreachable after the first: TT-E01, as tt::fold, not a silent zero)
      ((r |= reach_through(body::template of<carry_name<Name, K>>, reach_v<Init, N>)), ...);
    }
    (std::index_sequence_for<Init...>{});
    return r | reach_through(body::template of<carry_name<Name, sizeof...(Init)>>, reach_v<Xs, N>);
  }();
};

template <class Name, class Mode, class Cell, class Xs, class... Init, class Acc>
struct collect_named<scan_node<Name, Mode, Cell, Xs, tlist<Init...>>, Acc> {
  using S = scan_node<Name, Mode, Cell, Xs, tlist<Init...>>;
  using type = typename push_all<typename collect_named_all<Acc, Init..., Xs>::type,
                                 typename S::params>::type;
};

template <class Name, class Mode, class Cell, class Xs, class... Init, class N>
inline constexpr bool has_let_v<scan_node<Name, Mode, Cell, Xs, tlist<Init...>>, N> =
    (has_let_v<Init, N> || ... || has_let_v<Xs, N>);

template <class T>
struct as_tuple {
  using type = std::tuple<T>;
  static std::tuple<T> make(T&& t) { return std::tuple<T>(std::move(t)); }
};
template <class... T>
struct as_tuple<std::tuple<T...>> {
  using type = std::tuple<std::remove_cvref_t<T>...>;
  static type make(std::tuple<T...>&& t) { return type(std::move(t)); }
};

template <class I>
struct init_pack {  // one state part
  static constexpr std::size_t size = 1;
  template <class A>
  static auto close_all(A&& a) {
    using V = common_expr_value_t<std::remove_cvref_t<A>>;
    return std::tuple<closure_t<A&&, V>>(close<V>(std::forward<A>(a)));
  }
  template <class A>
  using temporary = typename first_temporary<A>::type;
};
template <class... I>
struct init_pack<std::tuple<I...>> {  // several (std::tie(h0, c0))
  static constexpr std::size_t size = sizeof...(I);
  template <class A>
  static auto close_all(A&& a) {
    return std::apply(
        [](auto&&... x) {
          return std::tuple<
              closure_t<decltype(x), common_expr_value_t<std::remove_cvref_t<decltype(x)>>>...>(
              close<common_expr_value_t<std::remove_cvref_t<decltype(x)>>>(
                  std::forward<decltype(x)>(x))...);
        },
        std::forward<A>(a));
  }
  template <class>
  using temporary = typename first_temporary<I...>::type;
};

}  // namespace detail

/// Applies `cell` over the leading axis of `xs`, from the initial state `init`.
///  - cell(state..., x) returns the next state: one expression, or a std::tuple of one
///    per part of the state; it is called once, here, on placeholders.
///  - init: one operand, or a std::tuple of them (`std::tie(h0, c0)` for variables).
///  - xs: a tensor operand whose leading axis is time; step t reads xs[t].
/// The value is the last state's first part (Mode final_state), or the first part of
/// every step's state stacked, [T, ...] (all_steps). Gradients flow to the cell's
/// variables, the initial state and xs. `tt::checkpoint{k}` trades memory for time.
template <fixed_string S, class Mode = final_state, class CellFn, class Init, class Xs>
  requires(operand<Xs> && (std::is_same_v<Mode, final_state> || std::is_same_v<Mode, all_steps>))
auto scan(CellFn&& cell_fn, Init&& init, Xs&& xs, checkpoint cp = {}) {
  using name = name_of<S>;
  // A temporary layer as the cell (`tt::scan<"s">(tt::nn::rnn_cell<"r">{3, 4}, h0, xs)`): the
  // scan would hold its parameters by reference past the end of the statement.
  using cell_t = std::remove_cvref_t<CellFn>;
  constexpr bool cell_owns_no_variable = !requires(cell_t & c) { c.params(); };
  constexpr bool cell_outlives = std::is_lvalue_reference_v<CellFn> || cell_owns_no_variable;
  static_assert(diag::variable_is_not_a_temporary<detail::owned_names_t<cell_t>, cell_outlives>,
                TT_E09_LAYER);
  using pack = detail::init_pack<std::remove_cvref_t<Init>>;
  using temporary = typename detail::first_temporary<Xs&&>::type;
  static_assert(diag::variable_is_not_a_temporary<temporary, std::is_void_v<temporary>>, TT_E09);
  using init_temporary = typename pack::template temporary<Init&&>;
  static_assert(diag::variable_is_not_a_temporary<init_temporary, std::is_void_v<init_temporary>>,
                TT_E09);
  auto inits = pack::close_all(std::forward<Init>(init));
  using XsC = detail::closure_t<Xs&&, detail::common_expr_value_t<std::remove_cvref_t<Xs>>>;
  auto xs_c =
      detail::close<detail::common_expr_value_t<std::remove_cvref_t<Xs>>>(std::forward<Xs>(xs));
  static_assert(tensor_like<typename XsC::value_type>, TT_E15_SCAN_INPUTS);
  using x_type = typename detail::step_of<typename XsC::value_type>::type;
  // One lambda, not two nested: each is a line of an error's instantiation stack (an E06 in
  // the cell's body is 11 lines on g++).
  using states = std::remove_cvref_t<decltype(inits)>;
  return [&]<class... I, std::size_t... K>(std::tuple<I...>& in, std::index_sequence<K...>) {
    auto out = cell_fn(detail::carry_ref<detail::carry_name<name, K>, typename I::value_type>{}...,
                       detail::carry_ref<detail::carry_name<name, sizeof...(I)>, x_type>{});
    using outs_t = typename detail::as_tuple<decltype(out)>::type;
    static_assert(std::tuple_size_v<outs_t> == sizeof...(I), TT_E15_SCAN_CELL);
    static_assert((expression<std::tuple_element_t<0, outs_t>>), TT_E15_SCAN_CELL);
    static_assert(
        []<std::size_t... J>(std::index_sequence<J...>) {
          return (std::is_same_v<typename std::tuple_element_t<J, outs_t>::value_type,
                                 typename I::value_type> &&
                  ...);
        }(std::index_sequence_for<I...>{}),
        TT_E15_SCAN_CELL);
    using node_t = detail::scan_node<name, Mode, outs_t, XsC, detail::tlist<I...>>;
    return node_t{std::tuple_cat(std::move(in), std::tuple<XsC>(std::move(xs_c))),
                  detail::as_tuple<decltype(out)>::make(std::move(out)), cp.every};
  }(inits, std::make_index_sequence<std::tuple_size_v<states>>{});
}

}  // namespace tt
