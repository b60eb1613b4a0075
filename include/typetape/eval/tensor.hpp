// The tensor value back end: xtensor containers as values, NumPy broadcasting, and
// the fused elementwise kernel.
//
// An elementwise op with a tensor operand is part of a *fused region*: a maximal
// subtree of such nodes. The region's inputs (its frontier: leaves, lets and
// non-elementwise nodes) are evaluated as usual; the region itself runs as one loop
// over the elements, on xsimd batches with a scalar tail, evaluating a per-element
// copy of the subtree whose leaves read the inputs at that element. Forward stores
// only the region's result; backward runs the per-element tree forward and backward
// again (recomputing the intermediates in registers) and writes each input's
// adjoint once. No tensor is made per node, and the op rules are the scalar ones.
//
// xtensor's own configuration is the user's: this header defines none of its macros
// (XTENSOR_USE_XSIMD changes xt::xtensor's allocator, so a header defining it would give
// translation units with and without typetape two different xt::xtensor types). The
// fused kernel uses xsimd directly, with unaligned loads, either way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>
#include "../detail/xtensor.hpp"

#include "../core/expression.hpp"
#include "../detail/lanes.hpp"
#include "../detail/shape.hpp"

namespace tt {

namespace detail {
template <class T>
void add_elements(T* p, const T* q, std::size_t n) {
  std::size_t i = 0;
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    using B = xsimd::batch<T>;
    for (; i + B::size <= n; i += B::size)
      (B::load_unaligned(p + i) + B::load_unaligned(q + i)).store_unaligned(p + i);
  }
  for (; i < n; ++i) p[i] += q[i];
}
}  // namespace detail

/// A tensor constant: shared, never copied by a recording (records point at it; its
/// address survives moves of the tape that holds the expression).
template <class T>
  requires tensor_like<T>
struct constant<T> {
  using tt_expression = void;
  using value_type = T;
  std::shared_ptr<const T> data;

  constant(T v)
      : data(std::make_shared<const T>(std::move(v))) {}  // NOLINT: implicit, as a number's
  const T& get() const noexcept { return *data; }

  struct record {
    const T* p = nullptr;
    const T& get() const noexcept { return *p; }
  };
  template <class Ctx>
  TT_INLINE void forward(record& r, const Ctx&) const {
    r.p = data.get();
  }
  template <class G, class Ctx>
  TT_INLINE void backward(const record&, const G&, Ctx&) const {}
};

}  // namespace tt

namespace tt::detail {

// ---- the tensor an elementwise op gives --------------------------------------------------
template <class T, class E>
struct rebind_elem {
  using type = xt::xtensor<E, rank_v<T>>;
};
template <class ET, class S, xt::layout_type L, bool Sh, class Tag, class E>
struct rebind_elem<xt::xfixed_container<ET, S, L, Sh, Tag>, E> {
  using type = xt::xtensor_fixed<E, S, L, Sh>;
};

template <class ET, std::size_t... I, xt::layout_type L, bool Sh, class Tag>
struct static_shape<xt::xfixed_container<ET, xt::fixed_shape<I...>, L, Sh, Tag>> {
  static constexpr bool known = true;
  static constexpr std::array<std::size_t, sizeof...(I)> dims{I...};
};

template <class EC, std::size_t N, class Tag>
inline constexpr bool
    is_dense_tensor<xt::xtensor_container<EC, N, xt::layout_type::row_major, Tag>> = true;
template <class ET, class S, bool Sh, class Tag>
inline constexpr bool
    is_dense_tensor<xt::xfixed_container<ET, S, xt::layout_type::row_major, Sh, Tag>> = true;
/// The vector tt::map_over gives (ops/loop.hpp).
template <class T>
struct vector_value {
  using type = xt::xtensor<T, 1>;
};
template <class T>
struct tensor_storage {
  using type =
      std::conditional_t<is_dense_tensor<T>, T, xt::xtensor<typename T::value_type, rank_v<T>>>;
};

template <class L>
struct all_same : std::false_type {};
template <class T, class... R>
struct all_same<tlist<T, R...>> : std::bool_constant<(std::is_same_v<T, R> && ...)> {
  using first = T;
};

}  // namespace tt::detail

namespace tt::detail {
/// Tensors of one type keep it (a fixed shape stays fixed); mixed ones give an
/// xt::xtensor of the largest rank.
template <class E, class... V>
struct tensor_result {
  using tensors = typename concat<std::conditional_t<tensor_like<V>, tlist<V>, tlist<>>...>::type;
  static constexpr std::size_t rank = std::max({rank_v<V>...});
  template <class L, bool Same = all_same<L>::value>
  struct pick {
    using type = xt::xtensor<E, rank>;
  };
  template <class L>
  struct pick<L, true> {
    using type = typename rebind_elem<typename all_same<L>::first, E>::type;
  };
  using type = typename pick<tensors>::type;
};

/// Stands in for an op whose operands a static_assert rejected (TT-E12, E13, E15): the first
/// operand's value, so that the one diagnostic is not followed by others about the missing
/// result; every operand stays in the tree, so none is then reported unused (TT-E01).
struct rejected_op {
  template <class A, class... R>
  static A value(const A& a, const R&...) {
    return a;
  }
  template <std::size_t I, class A, class V, class G>
  static G vjp(const A&, const V&, const G& g) {
    return g;
  }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A&, const B& b, const V&, const G& g) {  // never runs: types only
    if constexpr (I == 0)
      return g;
    else
      return b;
  }
};
template <class... A>
constexpr auto rejected(A&&... a) {
  return make<rejected_op>(std::forward<A>(a)...);
}

}  // namespace tt::detail

// The fused kernel completes this back end.
#include "../detail/fused_kernel.hpp"
