// matmul/dot through BLAS (cblas, from Debian's libopenblas-dev): the forward pass
// is one GEMM and the backward pass two (dA = G B^T, dB = A^T G); a product with a vector
// is a GEMV instead, and an outer product (a GEMM of inner size 1) a plain loop. Rank 2 x rank 2
// is a matrix product, rank 2 x rank 1 a matrix-vector product, rank 1 x rank 2 a
// vector-matrix product and rank 1 x rank 1 a dot product (a scalar).
// Link with BLAS (meson: dependency('openblas') or 'blas'). Needs <typetape/tensor.hpp>.
#pragma once

// (OpenBLAS's cblas.h declares C99 _Complex types, which clang's -Wpedantic flags in C++: a
// user's -Wpedantic -Werror build must not fail on it where the header is not on a system path,
// as with openblas.pc's -I)
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc99-extensions"
#endif
#include <cblas.h>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#include "reduce.hpp"

namespace tt::detail {

/// Are A and B fixed-shape with inner dimensions (A's last, B's first) that differ?
template <class A, class B>
constexpr bool fixed_inner_dims_differ() {
  if constexpr (static_shape<A>::known && static_shape<B>::known)
    return static_shape<A>::dims.back() != static_shape<B>::dims.front();
  else
    return false;
}

/// C (m x n) = op(A) op(B) with row-major storage, or with add C += op(A) op(B); ta/tb
/// transpose A/B.
template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, const T* b,
          T* c, bool add = false) {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>, TT_E15_MATMUL_ELEMENT);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!add) std::fill(c, c + m * n, T(0));
    return;
  }
  // Sizes as int: every cblas.h takes int (Netlib's CBLAS_INT, OpenBLAS's blasint in its
  // default LP64 build); an ILP64 OpenBLAS takes a wider integer, to which int converts.
  const auto blas_int = [](std::size_t v) { return static_cast<int>(v); };
  if (k == 1) {  // an outer product (the weight gradient of a matrix-vector product)
    using B = xsimd::batch<T>;
    for (std::size_t i = 0; i < m; ++i) {
      const T ai = a[i];
      T* ci = c + i * n;
      std::size_t j = 0;
      if (add) {
        for (; j + B::size <= n; j += B::size)
          xsimd::fma(B(ai), B::load_unaligned(b + j), B::load_unaligned(ci + j))
              .store_unaligned(ci + j);
        for (; j < n; ++j) ci[j] += ai * b[j];
      } else {
        for (; j + B::size <= n; j += B::size)
          (B(ai) * B::load_unaligned(b + j)).store_unaligned(ci + j);
        for (; j < n; ++j) ci[j] = ai * b[j];
      }
    }
    return;
  }
  if (n == 1 || m == 1) {
    // A matrix times a vector (n == 1: op(A) b) or a vector times a matrix (m == 1: a op(B),
    // that is op(B)^T a): GEMV, which does not pack its operands as GEMM does (a 32x32 matrix
    // times a vector: 447 ns through dgemm, 114 ns through dgemv). The vector is contiguous
    // whether or not it is "transposed".
    const bool right = n == 1;
    const T* mat = right ? a : b;
    const T* v = right ? b : a;
    // the matrix as stored (row-major): rows x cols, and whether GEMV must transpose it
    const std::size_t rows = right ? (ta ? k : m) : (tb ? n : k);
    const std::size_t cols = right ? (ta ? m : k) : (tb ? k : n);
    const bool trans = right ? ta : !tb;
    const auto op = trans ? CblasTrans : CblasNoTrans;
    const T beta = add ? T(1) : T(0);
    if constexpr (std::is_same_v<T, double>)
      cblas_dgemv(CblasRowMajor, op, blas_int(rows), blas_int(cols), 1.0, mat, blas_int(cols), v, 1,
                  beta, c, 1);
    else
      cblas_sgemv(CblasRowMajor, op, blas_int(rows), blas_int(cols), 1.0f, mat, blas_int(cols), v,
                  1, beta, c, 1);
    return;
  }
  const int lda = blas_int(ta ? m : k), ldb = blas_int(tb ? k : n);
  const auto opa = ta ? CblasTrans : CblasNoTrans, opb = tb ? CblasTrans : CblasNoTrans;
  const T beta = add ? T(1) : T(0);
  if constexpr (std::is_same_v<T, double>)
    cblas_dgemm(CblasRowMajor, opa, opb, blas_int(m), blas_int(n), blas_int(k), 1.0, a, lda, b, ldb,
                beta, c, blas_int(n));
  else
    cblas_sgemm(CblasRowMajor, opa, opb, blas_int(m), blas_int(n), blas_int(k), 1.0f, a, lda, b,
                ldb, beta, c, blas_int(n));
}

/// The product of ranks Ra and Rb: rank Ra + Rb - 2 (a scalar for two vectors).
template <class E, std::size_t R>
struct matmul_result {
  using type = xt::xtensor<E, R>;
};
template <class E>
struct matmul_result<E, 0> {
  using type = E;
};

/// The product's type: fixed-shape operands give a fixed-shape product ([m,k] x [k,n] is
/// xtensor_fixed<[m,n]>), so the shape checks of the ops that use it stay at compile time.
template <class E, class A, class B>
struct matmul_type : matmul_result<E, rank_v<A> + rank_v<B> - 2> {};
template <class E, class A, class B>
  requires(static_shape<A>::known&& static_shape<B>::known&& rank_v<A> + rank_v<B> > 2)
struct matmul_type<E, A, B> {
  static constexpr auto da = static_shape<A>::dims;
  static constexpr auto db = static_shape<B>::dims;
  static auto pick() {
    if constexpr (rank_v<A> == 2 && rank_v<B> == 2)
      return std::type_identity<xt::xtensor_fixed<E, xt::xshape<da[0], db[1]>>>{};
    else if constexpr (rank_v<A> == 2)
      return std::type_identity<xt::xtensor_fixed<E, xt::xshape<da[0]>>>{};
    else
      return std::type_identity<xt::xtensor_fixed<E, xt::xshape<db[1]>>>{};
  }
  using type = typename decltype(pick())::type;
};

struct matmul_op {
  using structural = void;
  static constexpr std::string_view name = "matmul";
  /// The GEMM sizes: A is m x k, B is k x n (a vector is a row on the left, a column on the right).
  struct dims {
    std::size_t m, k, n;
  };
  template <class A, class B>
  static dims dims_of(const A& a, const B& b) {
    const std::size_t ka = a.shape()[rank_v<A> - 1], kb = b.shape()[0];
    if (ka != kb) shape_fail(name, "inner dimensions differ:", shape_of(a), shape_of(b));
    return {rank_v<A> == 2 ? a.shape()[0] : 1, ka, rank_v<B> == 2 ? b.shape()[1] : 1};
  }
  template <class A, class B>
  static auto value(const A& a, const B& b) {
    using E = std::common_type_t<elem_t<A>, elem_t<B>>;
    static_assert(std::is_same_v<elem_t<A>, elem_t<B>>, TT_E15_ELEMENT_TYPES);
    typename matmul_type<E, A, B>::type c{};
    value_into(c, a, b);
    return c;
  }
  /// The product written into c, resized to it (its storage reused when the size is the
  /// same: a record a tt::gradient_plan keeps between calls).
  template <class C, class A, class B>
  static void value_into(C& c, const A& a, const B& b) {
    const dims d = dims_of(a, b);
    if constexpr (tensor_like<C>) {
      std::array<std::size_t, rank_v<A> + rank_v<B> - 2> s{};
      if constexpr (rank_v<A> == 2 && rank_v<B> == 2)
        s = {d.m, d.n};
      else if constexpr (rank_v<A> == 2)
        s = {d.m};
      else
        s = {d.n};
      c.resize(s);
    }
    gemm(false, false, d.m, d.n, d.k, a.data(), b.data(), out_data(c));
  }
  template <std::size_t I, class A, class B, class V, class G>
  static auto vjp(const A& a, const B& b, const V& v, const G& g) {
    if constexpr (I == 0) {
      A r = same_shape(a);
      vjp_into<0>(a, b, v, g, r.data(), false);
      return r;
    } else {
      B r = same_shape(b);
      vjp_into<1>(a, b, v, g, r.data(), false);
      return r;
    }
  }
  /// The adjoint of operand I stored (or with add, added) at out, shaped like the operand:
  /// a variable's adjoint is written where it lies (GEMM's beta), with no temporary.
  static constexpr bool writes_in_place = true;
  template <std::size_t I, class A, class B, class V, class G, class T>
  static void vjp_into(const A& a, const B& b, const V&, const G& g, T* out, bool add) {
    const dims d = dims_of(a, b);
    if constexpr (I == 0)  // dA (m x k) = G (m x n) B^T
      gemm(false, true, d.m, d.k, d.n, out_data(g), b.data(), out, add);
    else  // dB (k x n) = A^T G
      gemm(true, false, d.k, d.n, d.m, a.data(), out_data(g), out, add);
  }
};

/// `matmul(a, b) + matmul(c, d)` of two matrix products (an RNN cell's x U + h W): the second
/// GEMM adds into the first's result (beta = 1) and both products share one adjoint, where the
/// sum of two products made each its own tensor and the fused region above wrote the same
/// adjoint twice. Products of shapes that differ (one broadcast against the other) are two
/// products and their sum, as `+` gives. Formed by `+` (detail::add_or_chain) when both
/// products are xt::xtensor<E, 2>.
struct matmul_sum_op {
  using structural = void;
  static constexpr std::string_view name = "add (+)";
  template <class A, class B, class C, class D>
  static bool same_products(const A& a, const B& b, const C& c, const D& d) {
    const auto p = matmul_op::dims_of(a, b), q = matmul_op::dims_of(c, d);
    return p.m == q.m && p.n == q.n;
  }
  template <class A, class B, class C, class D>
  static auto value(const A& a, const B& b, const C& c, const D& d) {
    decltype(matmul_op::value(a, b)) r;
    value_into(r, a, b, c, d);
    return r;
  }
  template <class R, class A, class B, class C, class D>
  static void value_into(R& r, const A& a, const B& b, const C& c, const D& d) {
    if (same_products(a, b, c, d)) {
      matmul_op::value_into(r, a, b);
      const auto q = matmul_op::dims_of(c, d);
      gemm(false, false, q.m, q.n, q.k, c.data(), d.data(), r.data(), true);
      return;
    }
    const auto p1 = matmul_op::value(a, b);
    const auto p2 = matmul_op::value(c, d);
    broadcast_shapes(name, shape_of(p1), shape_of(p2));  // tt::shape_error as `+` gives it
    r = p1 + p2;
  }
  /// The adjoint of product P (0: a b, 1: c d): g, or g summed back to a broadcast product.
  template <std::size_t P, class A, class B, class C, class D, class G, class F>
  static void with_product_adjoint(const A& a, const B& b, const C& c, const D& d, const G& g,
                                   F&& f) {
    if (same_products(a, b, c, d)) return f(g);
    const auto q = P == 0 ? matmul_op::dims_of(a, b) : matmul_op::dims_of(c, d);
    G gp = G::from_shape({q.m, q.n});
    unbroadcast_into(g.data(), shape_of(g), gp.data(), shape_of(gp));
    f(gp);
  }
  template <std::size_t I, class A, class B, class C, class D, class V, class G>
  static auto vjp(const A& a, const B& b, const C& c, const D& d, const V& v, const G& g) {
    std::remove_cvref_t<decltype(std::get<I>(std::tie(a, b, c, d)))> r =
        same_shape(std::get<I>(std::tie(a, b, c, d)));
    vjp_into<I>(a, b, c, d, v, g, r.data(), false);
    return r;
  }
  static constexpr bool writes_in_place = true;
  template <std::size_t I, class A, class B, class C, class D, class V, class G, class T>
  static void vjp_into(const A& a, const B& b, const C& c, const D& d, const V& v, const G& g,
                       T* out, bool add) {
    with_product_adjoint<I / 2>(a, b, c, d, g, [&](const G& gp) {
      if constexpr (I < 2)
        matmul_op::vjp_into<I>(a, b, v, gp, out, add);
      else
        matmul_op::vjp_into<I - 2>(c, d, v, gp, out, add);
    });
  }
};

template <class A, class B, class C, class D>
inline constexpr bool fuses_products<node<matmul_op, A, B>, node<matmul_op, C, D>> =
    std::is_same_v<typename node<matmul_op, A, B>::value_type,
                   typename node<matmul_op, C, D>::value_type>&&
        std::is_same_v<typename node<matmul_op, A, B>::value_type,
                       xt::xtensor<elem_t<typename node<matmul_op, A, B>::value_type>, 2>>;
template <class L, class R>
TT_INLINE constexpr auto fuse_products(L&& l, R&& r) {
  using LD = std::remove_cvref_t<L>;
  using RD = std::remove_cvref_t<R>;
  return [&]<class A, class B, class C, class D>(node<matmul_op, A, B>*, node<matmul_op, C, D>*) {
    return node<matmul_sum_op, A, B, C, D>{
        {std::get<0>(std::forward<L>(l).kids), std::get<1>(std::forward<L>(l).kids),
         std::get<0>(std::forward<R>(r).kids), std::get<1>(std::forward<R>(r).kids)}};
  }(static_cast<LD*>(nullptr), static_cast<RD*>(nullptr));
}

}  // namespace tt::detail

namespace tt {

/// Matrix (or matrix-vector, or dot) product through BLAS; inner dimensions that
/// differ throw tt::shape_error naming both shapes; a rank other than 1 or 2 is TT-E13.
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr auto matmul(A&& a, B&& b) {
  using VA = typename detail::closure_t<A&&, double>::value_type;
  using VB = typename detail::closure_t<B&&, double>::value_type;
  constexpr bool ranks_ok = (detail::rank_v<VA> == 1 || detail::rank_v<VA> == 2) &&
                            (detail::rank_v<VB> == 1 || detail::rank_v<VB> == 2);
  if constexpr (!ranks_ok) {
    using offender = std::conditional_t<detail::rank_v<VA> == 1 || detail::rank_v<VA> == 2, VB, VA>;
    static_assert(diag::axis_and_rank_fit_the_op<offender, false>, TT_E13_RANK);
    return detail::rejected(std::forward<A>(a), std::forward<B>(b));
  } else if constexpr (!std::is_same_v<detail::elem_t<VA>, detail::elem_t<VB>>) {
    static_assert(diag::operand_types_fit_the_op<detail::tlist<VA, VB>, false>,
                  TT_E15_ELEMENT_TYPES);
    return detail::rejected(std::forward<A>(a), std::forward<B>(b));
  } else if constexpr (!std::is_floating_point_v<detail::elem_t<VA>>) {
    static_assert(diag::operand_types_fit_the_op<VA, false>, TT_E15_MATMUL_ELEMENT);
    return detail::rejected(std::forward<A>(a), std::forward<B>(b));
  } else if constexpr (detail::fixed_inner_dims_differ<VA, VB>()) {
    static_assert(diag::fixed_shapes_broadcast<detail::tlist<VA, VB>, false>, TT_E12_FIXED_MATMUL);
    return detail::rejected(std::forward<A>(a), std::forward<B>(b));
  } else {
    return detail::make<detail::matmul_op>(std::forward<A>(a), std::forward<B>(b));
  }
}
/// The dot product of two vectors (matmul of two rank-1 tensors).
template <class A, class B>
  requires detail::binary_operands<A, B>
constexpr auto dot(A&& a, B&& b) { return matmul(std::forward<A>(a), std::forward<B>(b)); }

}  // namespace tt
