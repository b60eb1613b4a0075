// The hooks the tensor back end (eval/tensor.hpp) fills in, declared here so that
// scalar code never parses xtensor: tensor types by element and rank, fixed shapes,
// the fused kernel, shape checks, zeros; and val(), how a record's value is read.
#pragma once

#include <cstddef>

#include "../core/concepts.hpp"

namespace tt {
namespace detail {

/// Hooks the tensor back end (eval/tensor.hpp) defines: a tensor of element E and
/// rank R (keeping T's fixed shape when R is T's rank), and the fused elementwise
/// kernel. Left undefined here so that scalar code never parses xtensor.
template <class T, class E, std::size_t R>
struct tensor_rebind;
template <class Node>
struct fused_kernel;
/// Is T a tensor typetape reads through data() directly: a row-major xt::xtensor or
/// xt::xtensor_fixed (eval/tensor.hpp)? Views and column-major tensors are not.
template <class T>
inline constexpr bool is_dense_tensor = false;
/// The container a plain tensor operand is copied into (itself when dense).
template <class T>
struct tensor_storage;
/// The shape of a fixed-shape tensor type, known at compile time (eval/tensor.hpp
/// specializes it for xt::xtensor_fixed).
template <class T>
struct static_shape {
  static constexpr bool known = false;
};
/// Do the fixed shapes among V... broadcast together (true where a shape is not fixed)?
template <class A, class B>
constexpr bool static_shapes_fit() {
  if constexpr (!static_shape<A>::known || !static_shape<B>::known) {
    return true;
  } else {
    constexpr auto a = static_shape<A>::dims;
    constexpr auto b = static_shape<B>::dims;
    for (std::size_t k = 0; k < a.size() && k < b.size(); ++k) {
      const std::size_t da = a[a.size() - 1 - k], db = b[b.size() - 1 - k];
      if (da != db && da != 1 && db != 1) return false;
    }
    return true;
  }
}
template <class... V>
inline constexpr bool static_shapes_broadcast = true;
template <class A, class... R>
inline constexpr bool static_shapes_broadcast<A, R...> =
    (static_shapes_fit<A, R>() && ...) && static_shapes_broadcast<R...>;

/// Throws tt::shape_error (naming `what` and both shapes) unless a and b have one shape.
template <class A, class B>
void check_same_shape(const char* what, const A& a, const B& b);
/// A tensor of zeros shaped like t.
template <class T>
T zeros_like(const T& t);
/// a = zeros shaped like `like`, in a's own storage when it already has that shape.
template <class T>
void zero_like_into(T& a, const T& like);
/// a shaped like `like` (contents unspecified), in its own storage when the shape fits.
template <class T>
void shape_like_into(T& a, const T& like);

/// A record's value: records of tensor variables point at the variable instead of
/// copying it (see var_ref), so values are read through val().
template <class R>
TT_INLINE constexpr const auto& val(const R& r) {
  if constexpr (requires { r.get(); })
    return r.get();
  else
    return r.v;
}

}  // namespace detail

/// Evaluates an expression with the variables' current values (no gradient).
struct eval_t {
  template <class E>
    requires expression<E>
  auto operator()(const E& e) const;  // tape/tape.hpp
};
inline constexpr eval_t eval{};

}  // namespace tt
