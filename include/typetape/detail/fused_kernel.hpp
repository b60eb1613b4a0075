// The fused elementwise kernel (see eval/tensor.hpp): a region's per-element tree, where
// each input is read from and its adjoint written to, and the loop over the elements on
// xsimd batches with a scalar tail, forward, backward and summed.
#pragma once

#include <cstdint>
#include <memory>
#include <xsimd/xsimd.hpp>

#include "../eval/tensor.hpp"

namespace tt::detail {

// ---- the per-element tree ------------------------------------------------------------------
template <class T, bool Simd>
using lane_t = std::conditional_t<Simd && std::is_floating_point_v<T>, xsimd::batch<T>, T>;

/// Does every value in a per-element tree have type E (or bool)? Only then can the tree
/// run on batches of E: a cast to another type (cast<int>, cast<float> in a double
/// region) must round per element, which the scalar loop does.
template <class Tree, class E>
inline constexpr bool lane_types_are =
    std::is_same_v<typename Tree::value_type, E> || std::is_same_v<typename Tree::value_type, bool>;
// clang-format 14 would write ")&&(" here
// clang-format off
template <class Op, class... K, class E>
inline constexpr bool lane_types_are<node<Op, K...>, E> =
    (std::is_same_v<typename node<Op, K...>::value_type, E> ||
     std::is_same_v<typename node<Op, K...>::value_type, bool>) && (lane_types_are<K, E> && ...);
// clang-format on

template <class L, class R, class E>
inline constexpr bool lane_types_are<rope<L, R>, E> = lane_types_are<L, E>&& lane_types_are<R, E>;
template <class K, class E>
inline constexpr bool lane_types_are<term<K>, E> = lane_types_are<K, E>;
template <class... R, class E>
inline constexpr bool lane_types_are<sum_chain<R...>, E> =
    std::is_same_v<typename sum_chain<R...>::value_type, E> && (lane_types_are<R, E> && ...);

template <class Op>
constexpr std::string_view op_name() {
  if constexpr (requires { Op::name; })
    return Op::name;
  else
    return "elementwise op";
}

/// The per-element tree of a region (type, construction, and the shapes it broadcasts).
template <class E, std::size_t Off, bool Simd>
struct region {  // an input
  using type = slot<Off, lane_t<elem_t<typename E::value_type>, Simd>>;
  static type make(const E&) { return {}; }
  template <class Recs>
  static shape_vec shape(const E&, const Recs& recs) {
    return shape_of(val(std::get<Off>(recs)));
  }
};
template <class T, std::size_t Off, bool Simd>
  requires(!tensor_like<T>)
struct region<constant<T>, Off, Simd> {  // a scalar constant stays in the tree
  using type = constant<lane_t<T, Simd>>;
  static type make(const constant<T>& c) { return {lane_t<T, Simd>(c.v)}; }
  template <class Recs>
  static shape_vec shape(const constant<T>&, const Recs&) {
    return {};
  }
};
struct slice_op;  // ops/shape.hpp

/// A region input that is a slice of a tensor (tt::slice) is read in place from its operand
/// when the slice is one contiguous block of it (a range of a vector, rows of a matrix): its
/// node then runs only its operand's forward pass, and no copy of the slice is made. Its
/// adjoint goes straight into the operand's when that is a variable; otherwise the slice's
/// own backward pass spreads it.
template <class F>
struct slice_input : std::false_type {};
template <class Op, class A, class P>
  requires std::is_same_v<Op, slice_op> && tensor_like<typename A::value_type>
struct slice_input<node<Op, A, constant<P>>> : std::true_type {
  /// Where the slice lies: the operand's data, the slice's shape, and its offset in the
  /// operand when it is one contiguous block.
  template <class T>
  struct place {
    const T* data;
    shape_vec shape;
    std::size_t offset;
    bool contiguous;
  };
  template <class Rec>
  static auto locate(const Rec& r) {
    const auto& a = val(std::get<0>(r.kids));
    const auto q = Op::plan_of(a, val(std::get<1>(r.kids)));
    std::size_t offset = 0;
    for (std::size_t i = 0; i < q.out.size(); ++i) offset += q.start[i] * q.stride[i];
    // contiguous: axes of extent 1, then one axis of step 1, then whole axes
    bool contiguous = true;
    std::size_t k = 0;
    while (k < q.out.size() && q.out[k] == 1) ++k;
    if (k < q.out.size() && q.step[k] != 1 && q.out[k] > 1) contiguous = false;
    for (std::size_t m = k + 1; m < q.out.size(); ++m)
      if (q.out[m] != a.shape()[m] || q.start[m] != 0 || q.step[m] != 1) contiguous = false;
    return place<elem_t<typename A::value_type>>{a.data(), q.out, offset, contiguous};
  }
  /// The slice's elements copied into out (a slice that is not one block).
  template <class Rec, class T>
  static void gather(const Rec& r, T* out) {
    const auto& a = val(std::get<0>(r.kids));
    Op::copy_into(a, Op::plan_of(a, val(std::get<1>(r.kids))), out);
  }
};

template <class E, std::size_t Off, bool Simd>
requires slice_input<E>::value struct region<E, Off, Simd> {  // a slice read in place: its shape
                                                              // from its operand's
  using type = slot<Off, lane_t<elem_t<typename E::value_type>, Simd>>;
  static type make(const E&) { return {}; }
  template <class Recs>
  static shape_vec shape(const E&, const Recs& recs) {
    return slice_input<E>::locate(std::get<Off>(recs)).shape;
  }
};

/// The first slot of kid I of a region node whose first slot is Off.
template <std::size_t Off, std::size_t I, class... K>
constexpr std::size_t kid_offset() {
  constexpr std::size_t sizes[] = {frontier_t<K>::size..., 0};
  std::size_t o = Off;
  for (std::size_t k = 0; k < I; ++k) o += sizes[k];
  return o;
}

template <class Op, class... K, std::size_t Off, bool Simd>
  requires is_fused_node<node<Op, K...>>
struct region<node<Op, K...>, Off, Simd> {
  template <std::size_t I>
  static constexpr std::size_t off = kid_offset<Off, I, K...>();
  template <class Seq>
  struct build;
  template <std::size_t... I>
  struct build<std::index_sequence<I...>> {
    using type = node<Op, typename region<K, off<I>, Simd>::type...>;
  };
  using seq = std::index_sequence_for<K...>;
  using type = typename build<seq>::type;
  static type make(const node<Op, K...>& n) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return type{{region<K, off<I>, Simd>::make(std::get<I>(n.kids))...}};
    }
    (seq{});
  }
  template <class Recs>
  static shape_vec shape(const node<Op, K...>& n, const Recs& recs) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      shape_vec s;
      ((s = broadcast_shapes(op_name<Op>(), s,
                             region<K, off<I>, Simd>::shape(std::get<I>(n.kids), recs))),
       ...);
      return s;
    }
    (seq{});
  }
};

/// The region's inputs, as references, in slot order.
template <class E>
auto frontier_refs(const E& e) {
  if constexpr (is_fused_node<E>)
    return std::apply([](const auto&... k) { return std::tuple_cat(frontier_refs(k)...); }, e.kids);
  else if constexpr (requires { e.v; } && !tensor_like<typename E::value_type>)
    return std::tuple<>{};  // a scalar constant
  else
    return std::tuple<const E&>(e);
}

/// Where a region's input is read from: its own data (same shape as the result), one
/// value (size 1), its own data again and again (`rows`: its shape is the result's
/// last axes, as a bias is, and it is read at i mod its size; when its size is not a whole
/// number of SIMD loads, from a tile of it repeated, `size + lanes` long, so that a load
/// that crosses the end of one repetition reads on into the next), or a broadcast copy.
template <class T>
struct input {
  enum mode_t { full, one, rows, copied } mode = full;
  const T* p = nullptr;
  T s{};
  std::size_t period = 0;        // rows: the input's size
  mutable std::size_t base = 0;  // rows: the start of the current repetition
  std::unique_ptr<T[]> own;      // not std::vector: std::vector<bool> has no data()
  /// `lanes`: how many elements one load reads (a repetition must hold whole loads).
  std::unique_ptr<T[]> gathered;  // a slice that is not one block, copied
  template <class V>
  void prepare(const V& v, const shape_vec& shape, std::size_t lanes) {
    if constexpr (!tensor_like<V>) {
      mode = one;
      s = v;
    } else {
      prepare_data(v.data(), shape_of(v), shape, lanes);
    }
  }
  /// An input of shape vs at data, read as the region's shape.
  void prepare_data(const T* data, const shape_vec& vs, const shape_vec& shape, std::size_t lanes) {
    const std::size_t size = product(vs);
    if (vs == shape) {
      p = data;
    } else if (size == 1) {
      mode = one;
      s = data[0];
    } else if (repeats_as_rows(vs, shape)) {
      mode = rows;
      p = data;
      period = size;
      if (size % lanes != 0) {  // conv2d's 10 filters with 8 double lanes
        own = std::make_unique<T[]>(size + lanes);
        for (std::size_t k = 0; k < size + lanes; ++k) own[k] = data[k % size];
        p = own.get();
      }
    } else {
      mode = copied;
      own = std::make_unique<T[]>(product(shape));
      for_broadcast(vs, shape, [&](std::size_t i, std::size_t j) { own[i] = data[j]; });
      p = own.get();
    }
  }
  /// Whether `from`, broadcast to `to`, is `from` repeated: its axes are to's last ones.
  static bool repeats_as_rows(const shape_vec& from, const shape_vec& to) {
    std::size_t k = from.size();
    while (k > 0 && from[k - 1] == to[to.size() - from.size() + k - 1]) --k;
    for (std::size_t m = 0; m < k; ++m)
      if (from[m] != 1) return false;
    return true;
  }
  /// rows: i's offset in its repetition. The passes read i = 0, W, 2W, ... then the tail
  /// one by one, so this steps on by at most one repetition (no division).
  TT_INLINE std::size_t at(std::size_t i) const {
    if (i < base) base = 0;
    while (i - base >= period) base += period;
    return i - base;
  }
  template <class L>
  TT_INLINE L load(std::size_t i) const {
    if constexpr (std::is_same_v<L, T>)
      return mode == one ? s : p[mode == rows ? at(i) : i];
    else
      return mode == one ? L(s) : L::load_unaligned(p + (mode == rows ? at(i) : i));
  }
};

/// Where a region's input's adjoint goes: straight into a tensor of its shape, into
/// one sum, or into a buffer of the result's shape summed back afterwards.
template <class T>
struct output {
  typename input<T>::mode_t mode;
  T* p = nullptr;
  T s = T(0);
  std::unique_ptr<T[]> own;
  bool add = false;       // full: added into p rather than stored
  bool in_place = false;  // p is a variable's adjoint (nothing to hand on afterwards)
};

template <class Op, class... K>
struct fused_kernel<node<Op, K...>> {
  using N = node<Op, K...>;
  using V = typename N::value_type;
  using E = elem_t<V>;
  using F = frontier_t<K...>;
  static constexpr std::size_t nf = F::size;
  static_assert(nf <= 64, TT_E16_FUSED_INPUTS);
  template <std::size_t J>
  using in_elem = elem_t<typename at_t<J, F>::value_type>;
  static constexpr bool simd = [] {
    if constexpr (!std::is_floating_point_v<E>) {
      return false;
    } else {
      return []<std::size_t... J>(std::index_sequence<J...>) {
        return (std::is_same_v<in_elem<J>, E> && ...) && xsimd::batch<E>::size > 1 &&
               lane_types_are<typename region<N, 0, false>::type, E>;
      }
      (std::make_index_sequence<nf>{});
    }
  }();
  static constexpr std::size_t W = [] {
    if constexpr (simd)
      return xsimd::batch<E>::size;
    else
      return std::size_t{1};
  }();
  using js = std::make_index_sequence<nf>;

  template <bool Simd>
  using tree_t = typename region<N, 0, Simd>::type;
  template <bool Simd, class Seq = js>
  struct lanes_of;
  template <bool Simd, std::size_t... J>
  struct lanes_of<Simd, std::index_sequence<J...>> {
    using type = std::tuple<lane_t<in_elem<J>, Simd>...>;
    using outputs = std::tuple<output<in_elem<J>>...>;
    using adjoints = std::tuple<typename at_t<J, F>::value_type...>;
  };
  template <bool Simd>
  using lanes_t = typename lanes_of<Simd>::type;

  template <class Recs>
  static auto prepare(const Recs& recs, const shape_vec& shape) {
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      std::tuple<input<in_elem<J>>...> ins;
      (prepare_one<J>(std::get<J>(ins), std::get<J>(recs), shape), ...);
      return ins;
    }
    (js{});
  }
  template <std::size_t J, class In, class Rec>
  static void prepare_one(In& in, const Rec& rec, const shape_vec& shape) {
    using S = slice_input<at_t<J, F>>;
    if constexpr (S::value) {
      const auto at = S::locate(rec);
      if (at.contiguous) {
        in.prepare_data(at.data + at.offset, at.shape, shape, W);
      } else {
        in.gathered = std::make_unique<in_elem<J>[]>(product(at.shape));
        S::gather(rec, in.gathered.get());
        in.prepare_data(in.gathered.get(), at.shape, shape, W);
      }
    } else {
      in.prepare(val(rec), shape, W);
    }
  }

  template <class Ctx>
  static void forward(const N& n, typename N::record& r, const Ctx& ctx) {
    run_forward<false>(n, r, ctx);
  }
  /// The sum of the region's elements, which are not stored (tt::sum / tt::mean of a
  /// fused chain: the loss pattern). Returns the sum and the element count.
  template <class Ctx>
  static std::pair<E, std::size_t> forward_sum(const N& n, typename N::record& r, const Ctx& ctx) {
    return run_forward<true>(n, r, ctx);
  }

  /// Only the region's inputs (the short form, whose sum's value nobody reads).
  template <class Ctx>
  static void forward_inputs(const N& n, typename N::record& r, const Ctx& ctx) {
    const auto fr = frontier_refs(n);
    static_for<nf>([&](auto j) {
      if constexpr (slice_input<at_t<j, F>>::value)
        std::get<j>(fr).forward_operands(std::get<j>(r.f), ctx);  // read in place
      else
        std::get<j>(fr).forward(std::get<j>(r.f), ctx);
    });
  }

  template <bool Sum, class Ctx>
  static std::pair<E, std::size_t> run_forward(const N& n, typename N::record& r, const Ctx& ctx) {
    forward_inputs(n, r, ctx);
    const shape_vec shape = region<N, 0, false>::shape(n, r.f);
    if constexpr (!Sum) resize_to(r.v, shape, op_name<Op>());
    const auto ins = prepare(r.f, shape);
    const std::size_t size = product(shape);
    E* out = nullptr;
    if constexpr (!Sum) out = r.v.data();
    E total = E(0);
    std::size_t i = 0;
    if constexpr (simd) {
      const auto tree = region<N, 0, true>::make(n);
      lane_ctx<lanes_t<true>, 0> c;
      xsimd::batch<E> acc(E(0));
      for (; i + W <= size; i += W) {
        load<true>(ins, c, i);
        typename tree_t<true>::record rec;
        tree.forward(rec, c);
        if constexpr (Sum)
          acc += rec.v;
        else
          rec.v.store_unaligned(out + i);
      }
      if constexpr (Sum) total = xsimd::hadd(acc);
    }
    const auto tree = region<N, 0, false>::make(n);
    lane_ctx<lanes_t<false>, 0> c;
    for (; i < size; ++i) {
      load<false>(ins, c, i);
      typename tree_t<false>::record rec;
      tree.forward(rec, c);
      if constexpr (Sum)
        total += rec.v;
      else
        out[i] = rec.v;
    }
    return {total, size};
  }

  template <class Ctx>
  static void backward(const N& n, const typename N::record& r, const V& g, Ctx& ctx) {
    check_same_shape(op_name<Op>().data(), r.v, g);
    run_backward<false>(n, r, shape_of(r.v), g.data(), E(0), ctx, r.v.data());
  }
  /// The backward pass with the same adjoint g for every element (the adjoint of a sum).
  template <class Ctx>
  static void backward_uniform(const N& n, const typename N::record& r, E g, Ctx& ctx) {
    run_backward<true>(n, r, region<N, 0, false>::shape(n, r.f), nullptr, g, ctx);
  }

  /// gp: the adjoint of each element, or with Uniform `uniform` everywhere. vp: the region's
  /// values from the forward pass, when they were stored (not for a sum over the region):
  /// the root's value is read from there rather than computed again (a tanh or an exp on
  /// top, the costly op of the region), its operands are recomputed for their VJPs.
  template <bool Uniform, class Ctx>
  static void run_backward(const N& n, const typename N::record& r, const shape_vec& shape,
                           const E* gp, E uniform, Ctx& ctx, const E* vp = nullptr) {
    constexpr std::uint64_t want = []<std::size_t... J>(std::index_sequence<J...>) {
      return ((Ctx::template wants<at_t<J, F>> ? std::uint64_t{1} << J : 0) | ... | 0);
    }
    (js{});
    if constexpr (want != 0) {
      const auto fr = frontier_refs(n);
      const auto ins = prepare(r.f, shape);
      const std::size_t size = product(shape);
      // adjoint outputs
      typename lanes_of<false>::outputs outs{};
      typename lanes_of<false>::adjoints adjs{};
      static_for<nf>([&](auto j) {
        if constexpr ((want >> j) & 1) {
          auto& o = std::get<j>(outs);
          const auto& in = std::get<j>(ins);
          using A = typename at_t<j, F>::value_type;
          o.mode = in.mode;
          if constexpr (tensor_like<A>) {
            if constexpr (in_place_candidate<j>() && is_tensor_var_ref<at_t<j, F>>) {
              if (in.mode == input<in_elem<j>>::full) {
                // a variable: its adjoint written where it lies (added if something was
                // there before), in the caller's storage under tt::gradient_into
                o.p = ctx.template write_buffer<typename at_t<j, F>::name_type>(
                    val(std::get<j>(r.f)), o.add);
                o.in_place = true;
              } else if (in.mode == input<in_elem<j>>::rows && !in.own) {
                // a variable read as rows (a bias): its repetitions' adjoints summed straight
                // into its own (once per step of a scan, not a tensor per step)
                bool started = false;
                o.p = ctx.template write_buffer<typename at_t<j, F>::name_type>(
                    val(std::get<j>(r.f)), started);
                if (!started) std::fill(o.p, o.p + in.period, in_elem<j>(0));
                o.in_place = true;
              }
            } else if constexpr (in_place_candidate<j>()) {
              if (in.mode == input<in_elem<j>>::full && !in.gathered) {
                // a block of a variable: added into the variable's adjoint where it lies
                const auto& rec = std::get<j>(r.f);
                using X = std::remove_cvref_t<
                    std::tuple_element_t<0, decltype(std::declval<const at_t<j, F>&>().kids)>>;
                o.add = o.in_place = true;
                o.p =
                    ctx.template element_buffer<typename X::name_type>(val(std::get<0>(rec.kids))) +
                    slice_input<at_t<j, F>>::locate(rec).offset;
              }
            }
            if constexpr (slice_input<at_t<j, F>>::value && repeats_an_input<j>()) {
              // the same slice read again (x[:-1] twice): added into the first one's adjoint
              // at the same addresses (a store the next load can take from the store buffer)
              if (!o.in_place && in.mode == input<in_elem<j>>::full && !in.gathered)
                share_with_earlier<j>(r, ins, outs, o);
            }
            if (o.in_place) {
              // written in place
            } else if (in.mode == input<in_elem<j>>::full) {
              resize_to(std::get<j>(adjs), shape, op_name<Op>());
              o.p = std::get<j>(adjs).data();
            } else if (in.mode == input<in_elem<j>>::rows) {  // summed in place, one repetition
              auto& a = std::get<j>(adjs);
              resize_to(a, input_shape<j>(r), op_name<Op>());
              if (in.own) {  // read from a tile: summed into one of the same length, folded after
                o.own = std::make_unique<in_elem<j>[]>(in.period + W);
                std::fill(o.own.get(), o.own.get() + in.period + W, in_elem<j>(0));
                o.p = o.own.get();
              } else {
                std::fill(a.begin(), a.end(), in_elem<j>(0));
                o.p = a.data();
              }
            }
          }
          if (in.mode == input<in_elem<j>>::copied) {
            o.own = std::make_unique<in_elem<j>[]>(size);
            o.p = o.own.get();
          }
        }
      });
      std::size_t i = 0;
      if constexpr (simd) {
        const auto tree = region<N, 0, true>::make(n);
        lane_ctx<lanes_t<true>, want> c;
        lanes_t<true> sums;
        static_for<nf>(
            [&](auto j) { std::get<j>(sums) = lane_t<in_elem<j>, true>(in_elem<j>(0)); });
        for (; i + W <= size; i += W) {
          load<true>(ins, c, i);
          typename tree_t<true>::record rec;
          if constexpr (Uniform) {
            tree.forward(rec, c);
          } else {
            tree.forward_operands(rec, c);
            rec.v = xsimd::batch<E>::load_unaligned(vp + i);
          }
          static_for<nf>(
              [&](auto j) { std::get<j>(c.adj) = lane_t<in_elem<j>, true>(in_elem<j>(-0.0)); });
          if constexpr (Uniform)
            tree.backward(rec, xsimd::batch<E>(uniform), c);
          else
            tree.backward(rec, xsimd::batch<E>::load_unaligned(gp + i), c);
          static_for<nf>([&](auto j) {
            if constexpr ((want >> j) & 1) {
              auto& o = std::get<j>(outs);
              if (o.mode == input<in_elem<j>>::one) {
                std::get<j>(sums) += std::get<j>(c.adj);
              } else if (o.mode == input<in_elem<j>>::rows) {
                in_elem<j>* q = o.p + std::get<j>(ins).at(i);
                (lane_t<in_elem<j>, true>::load_unaligned(q) + std::get<j>(c.adj))
                    .store_unaligned(q);
              } else if (o.add) {
                (lane_t<in_elem<j>, true>::load_unaligned(o.p + i) + std::get<j>(c.adj))
                    .store_unaligned(o.p + i);
              } else {
                std::get<j>(c.adj).store_unaligned(o.p + i);
              }
            }
          });
        }
        static_for<nf>([&](auto j) {
          if constexpr ((want >> j) & 1) std::get<j>(outs).s = xsimd::hadd(std::get<j>(sums));
        });
      }
      {
        const auto tree = region<N, 0, false>::make(n);
        lane_ctx<lanes_t<false>, want> c;
        for (; i < size; ++i) {
          load<false>(ins, c, i);
          typename tree_t<false>::record rec;
          if constexpr (Uniform) {
            tree.forward(rec, c);
          } else {
            tree.forward_operands(rec, c);
            rec.v = vp[i];
          }
          static_for<nf>([&](auto j) { std::get<j>(c.adj) = in_elem<j>(-0.0); });
          tree.backward(rec, Uniform ? uniform : gp[i], c);
          static_for<nf>([&](auto j) {
            if constexpr ((want >> j) & 1) {
              auto& o = std::get<j>(outs);
              if (o.mode == input<in_elem<j>>::one)
                o.s += std::get<j>(c.adj);
              else if (o.mode == input<in_elem<j>>::rows)
                o.p[std::get<j>(ins).at(i)] += std::get<j>(c.adj);
              else if (o.add)
                o.p[i] += std::get<j>(c.adj);
              else
                o.p[i] = std::get<j>(c.adj);
            }
          });
        }
      }
      // hand each wanted input its adjoint, shaped like it
      static_for<nf>([&](auto j) {
        if constexpr ((want >> j) & 1) {
          using A = typename at_t<j, F>::value_type;
          auto& o = std::get<j>(outs);
          auto& a = std::get<j>(adjs);
          if (o.in_place) return;  // already in the variable's adjoint
          if constexpr (!tensor_like<A>) {
            a = o.s;
          } else {
            if (o.mode == input<in_elem<j>>::one) {
              resize_to(a, input_shape<j>(r), op_name<Op>());
              a.data()[0] = o.s;
            } else if (o.mode == input<in_elem<j>>::rows && o.own) {  // the tile folded back
              const std::size_t period = std::get<j>(ins).period;
              std::copy(o.p, o.p + period, a.data());
              for (std::size_t k = period; k < period + W; ++k) a.data()[k % period] += o.p[k];
            } else if (o.mode == input<in_elem<j>>::copied) {
              const shape_vec xs = input_shape<j>(r);
              resize_to(a, xs, op_name<Op>());
              unbroadcast_into(o.p, shape, a.data(), xs);
            }
          }
          std::get<j>(fr).backward(std::get<j>(r.f), std::move(a), ctx);
        }
      });
    }
  }

 private:
  /// The shape of input J (a slice read in place has no value of its own).
  template <std::size_t J>
  static shape_vec input_shape(const typename N::record& r) {
    if constexpr (slice_input<at_t<J, F>>::value)
      return slice_input<at_t<J, F>>::locate(std::get<J>(r.f)).shape;
    else
      return shape_of(val(std::get<J>(r.f)));
  }
  /// The variable input J is or slices, or void.
  template <std::size_t J>
  static auto variable_of() {
    if constexpr (is_tensor_var_ref<at_t<J, F>>) {
      return std::type_identity<at_t<J, F>>{};
    } else if constexpr (slice_input<at_t<J, F>>::value) {
      using X = std::remove_cvref_t<
          std::tuple_element_t<0, decltype(std::declval<const at_t<J, F>&>().kids)>>;
      if constexpr (is_tensor_var_ref<X>)
        return std::type_identity<X>{};
      else
        return std::type_identity<void>{};
    } else {
      return std::type_identity<void>{};
    }
  }
  /// Is an earlier input of the region of input J's type?
  template <std::size_t J>
  static constexpr bool repeats_an_input() {
    return []<std::size_t... P>(std::index_sequence<P...>) {
      return (std::is_same_v<at_t<P, F>, at_t<J, F>> || ...);
    }
    (std::make_index_sequence<J>{});
  }
  /// Input J, a slice read in place, takes the adjoint storage of an earlier input that is
  /// the same slice of the same data (same block), adding into it.
  template <std::size_t J, class Ins, class Outs, class O>
  static void share_with_earlier(const typename N::record& r, const Ins& ins, const Outs& outs,
                                 O& o) {
    const auto here = slice_input<at_t<J, F>>::locate(std::get<J>(r.f));
    static_for<J>([&](auto p) {
      if constexpr (std::is_same_v<at_t<p, F>, at_t<J, F>>) {
        const auto& earlier = std::get<p>(outs);
        const auto& in = std::get<p>(ins);
        if (!o.in_place && earlier.p != nullptr && in.mode == input<in_elem<p>>::full &&
            !in.gathered) {
          const auto there = slice_input<at_t<p, F>>::locate(std::get<p>(r.f));
          if (there.data == here.data && there.offset == here.offset && there.shape == here.shape) {
            o.p = earlier.p;
            o.add = o.in_place = true;
          }
        }
      }
    });
  }
  /// Is input J's adjoint written or added into its variable's adjoint in place: a tensor
  /// variable covering the region, or a slice of one that is one block? A variable, unless
  /// a slice of it comes earlier; a slice, if it is the first input to read the variable.
  /// Two streams into one adjoint at different offsets (x[1:] and x[:-1]) would each load
  /// what the other has just stored at an overlapping address, and wait for it on every
  /// iteration (a store that cannot be forwarded); at one offset (x used twice) the store
  /// is forwarded. The others write their own adjoints, added afterwards.
  template <std::size_t J>
  static constexpr bool in_place_candidate() {
    using X = typename decltype(variable_of<J>())::type;
    if constexpr (std::is_void_v<X>) {
      return false;
    } else {
      return []<std::size_t... P>(std::index_sequence<P...>) {
        return ((!std::is_same_v<typename decltype(variable_of<P>())::type, X> ||
                 (is_tensor_var_ref<at_t<J, F>> && is_tensor_var_ref<at_t<P, F>>)) &&
                ...);
      }
      (std::make_index_sequence<J>{});
    }
  }
  template <bool Simd, class Ins, class C>
  TT_INLINE static void load(const Ins& ins, C& c, std::size_t i) {
    static_for<nf>([&](auto j) TT_INLINE_LAMBDA {
      std::get<j>(c.in) = std::get<j>(ins).template load<lane_t<in_elem<j>, Simd>>(i);
    });
  }
};

}  // namespace tt::detail
