// What the library's templates accept: expressions, plain numbers, tensors (the
// concepts), and how a source reaches a target (the reach bits the verdict reads).
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../fwd.hpp"

namespace tt {

/// Anything that can appear in an expression tree (variables included).
template <class E>
concept expression = requires {
  typename std::remove_cvref_t<E>::tt_expression;
};
/// A plain number mixed into an expression: becomes a constant.
template <class T>
concept number = std::is_arithmetic_v<std::remove_cvref_t<T>>;
/// A tensor value (an xtensor container): has a shape and contiguous data. Tensor
/// support itself is in <typetape/tensor.hpp>; the core only knows this much.
template <class T>
concept tensor_like = !std::is_arithmetic_v<T> && requires(const T& t) {
  t.shape();
  t.data();
  t.size();
  typename T::value_type;
};
/// A lazy xtensor expression of fixed rank (`c + 1.0`, `xt::sin(c)` of xtensor containers):
/// no data of its own. Mixed into an expression it is evaluated into a constant, as a view
/// is copied into one (otherwise xtensor's own operators would take the tt operand).
template <class T>
concept lazy_tensor = !std::is_arithmetic_v<T> && !tensor_like<T> && requires(const T& t) {
  t.shape();
  t.size();
  t.dimension();
  typename T::value_type;
  std::tuple_size<std::remove_cvref_t<decltype(t.shape())>>::value;
};
/// A plain tensor (or lazy tensor expression) mixed into an expression: becomes a constant
/// (copied, or evaluated).
template <class T>
concept tensor_operand =
    !expression<T> && (tensor_like<std::remove_cvref_t<T>> || lazy_tensor<std::remove_cvref_t<T>>);
template <class T>
concept operand = expression<T> || number<T> || tensor_operand<T>;

namespace detail {

/// How a source can reach a target: through differentiable ops (live) or only
/// through a detaching node of some kind. Kinds are bits so that a reach can be
/// several at once.
namespace reach {
inline constexpr unsigned live = 1, stop = 2, int_cast = 4, extract = 8, piecewise = 16,
                          compare = 32;
/// What a detaching node of `kind` does to what reaches through it.
constexpr unsigned cut(unsigned kind, unsigned r) {
  if (kind == 0) return r;
  return (r & ~live) | ((r & live) ? kind : 0u);
}
}  // namespace reach

/// op_cut<Op>(i): the detaching kind of an op's i-th operand (0: differentiable).
template <class Op>
constexpr unsigned op_cut(std::size_t i) {
  if constexpr (requires { Op::cut(i); })
    return Op::cut(i);
  else
    return 0;
}

struct extract_op;
template <class E>
constexpr auto extract(const E& e);

/// The element type of a value (the value itself for scalars and SIMD batches).
template <class T>
struct elem_of {
  using type = T;
};
template <class T>
  requires tensor_like<T> || lazy_tensor<T>
struct elem_of<T> {
  using type = typename T::value_type;
};
template <class T>
using elem_t = typename elem_of<T>::type;

/// The rank of a value: 0 for scalars.
template <class T>
inline constexpr std::size_t rank_v = 0;
template <class T>
  requires tensor_like<T> || lazy_tensor<T>
inline constexpr std::size_t rank_v<T> =
    std::tuple_size_v<std::remove_cvref_t<decltype(std::declval<const T&>().shape())>>;

}  // namespace detail
namespace detail {
/// A value's elements as one run: a tensor's size and data, or a number as one element.
template <class V>
std::size_t element_count(const V& v) {
  if constexpr (tensor_like<V>)
    return v.size();
  else
    return 1;
}
template <class V>
auto* element_data(V& v) {
  if constexpr (tensor_like<std::remove_const_t<V>>)
    return v.data();
  else
    return &v;
}
}  // namespace detail

}  // namespace tt
