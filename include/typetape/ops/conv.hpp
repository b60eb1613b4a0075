// 2-D convolution, NHWC input and HWCF filters (TensorFlow's tf.nn.conv2d layout),
// with strides and SAME/VALID padding. Forward and both gradients go through
// im2col and one GEMM each:
//   out (N*OH*OW x F)     = cols (N*OH*OW x KH*KW*C) . filters (KH*KW*C x F)
//   d filters             = cols^T . d out
//   d cols = d out . filters^T, scattered back to the input (col2im).
// Needs <typetape/tensor.hpp> and BLAS.
#pragma once

#include <algorithm>
#include <vector>

#include "../detail/kept_buffer.hpp"
#include "linalg.hpp"
#include "shape.hpp"

namespace tt {

enum class padding { valid, same };

/// conv2d's options: `{.stride = 2, .pad = tt::padding::same}`.
struct conv2d_options {
  std::size_t stride = 1;  // both spatial axes, unless stride_w is given
  padding pad = padding::valid;
  std::size_t stride_w = 0;  // 0: the same as stride
  friend constexpr bool operator==(const conv2d_options&, const conv2d_options&) = default;
};

namespace detail {

struct conv_geometry {
  std::size_t n, h, w, c, kh, kw, f, sh, sw, oh, ow, pad_top, pad_left;
  std::size_t rows() const { return n * oh * ow; }
  std::size_t cols() const { return kh * kw * c; }
};

template <class X, class K>
conv_geometry geometry(const X& x, const K& k, const conv2d_options& o) {
  constexpr std::string_view name = "conv2d";
  conv_geometry g{};
  g.n = x.shape()[0], g.h = x.shape()[1], g.w = x.shape()[2], g.c = x.shape()[3];
  g.kh = k.shape()[0], g.kw = k.shape()[1], g.f = k.shape()[3];
  if (k.shape()[2] != g.c)
    shape_fail(name, "input channels (NHWC) and filter channels (HWCF) differ:", shape_of(x),
               shape_of(k));
  g.sh = o.stride;
  g.sw = o.stride_w ? o.stride_w : o.stride;
  if (g.sh == 0 || g.sw == 0)
    shape_fail(name, "a stride is 0: (stride, stride_w) and filter", {o.stride, o.stride_w},
               shape_of(k));
  if (o.pad == padding::same) {
    g.oh = (g.h + g.sh - 1) / g.sh;
    g.ow = (g.w + g.sw - 1) / g.sw;
    // the rows/columns the windows cover beyond the input, if any (unsigned throughout:
    // the headers stay clean under a user's -Wsign-conversion)
    const std::size_t span_h = (g.oh - 1) * g.sh + g.kh, span_w = (g.ow - 1) * g.sw + g.kw;
    const std::size_t ph = span_h > g.h ? span_h - g.h : 0;
    const std::size_t pw = span_w > g.w ? span_w - g.w : 0;
    g.pad_top = ph / 2;  // the extra row/column goes to the bottom/right, as in TensorFlow
    g.pad_left = pw / 2;
  } else {
    if (g.kh > g.h || g.kw > g.w)
      shape_fail(name, "VALID padding needs the filter to fit in the input:", shape_of(x),
                 shape_of(k));
    g.oh = (g.h - g.kh) / g.sh + 1;
    g.ow = (g.w - g.kw) / g.sw + 1;
  }
  return g;
}

/// Visits every in-bounds run of the im2col matrix: f(matrix index, input index, length).
/// For one output pixel and one filter row the in-bounds filter columns read adjacent input
/// pixels (the stride moves the output pixel, not the tap), so their channels are one run (kw * c
/// elements away from the edges; a call per filter tap, c elements, made the copies as costly as
/// the GEMM for 3 channels). Which filter columns of an output column are in bounds is the same
/// on every output row, so it is worked out once per column; the loops then only add offsets
/// (computed per run, clang spilled the index arithmetic and took 10 ns a run).
template <class F>
void for_im2col(const conv_geometry& g, F&& f) {
  const auto sp = [](std::size_t v) { return static_cast<std::ptrdiff_t>(v); };
  struct span {
    std::size_t col, in, len;  // matrix column, input column offset (pixel * c), run length
  };
  thread_local std::vector<span> spans;
  spans.clear();
  for (std::size_t ox = 0; ox < g.ow; ++ox) {
    // filter columns [kx0, kx1) land inside the input: 0 <= ox*sw + kx - pad_left < w
    const std::ptrdiff_t left = sp(ox * g.sw) - sp(g.pad_left);
    const std::size_t kx0 = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, -left));
    const std::size_t kx1 =
        static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(sp(g.w) - left, 0, sp(g.kw)));
    if (kx0 >= kx1)
      spans.push_back({0, 0, 0});
    else
      spans.push_back(
          {kx0 * g.c, static_cast<std::size_t>(left + sp(kx0)) * g.c, (kx1 - kx0) * g.c});
  }
  const std::size_t cols = g.cols(), row_taps = g.kw * g.c;
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t oy = 0; oy < g.oh; ++oy) {
      const std::size_t row0 = (n * g.oh + oy) * g.ow * cols;
      for (std::size_t ky = 0; ky < g.kh; ++ky) {
        const std::ptrdiff_t iy = sp(oy * g.sh + ky) - sp(g.pad_top);
        if (iy < 0 || iy >= sp(g.h)) continue;
        const std::size_t in_row = (n * g.h + static_cast<std::size_t>(iy)) * g.w * g.c;
        const std::size_t at_row = row0 + ky * row_taps;
        for (std::size_t ox = 0; ox < g.ow; ++ox) {
          const span& s = spans[ox];
          if (s.len != 0) f(at_row + ox * cols + s.col, in_row + s.in, s.len);
        }
      }
    }
}

/// Scratch space for an im2col matrix. Up to 16 MiB it is one buffer per use and thread,
/// grown and kept: a new buffer per call would be, above glibc's mmap threshold (128 KiB
/// at first), a new mapping whose pages fault in on every call (a 28x28x3 input's is
/// 169 KiB). A larger one is the caller's, and freed after the call.
template <class T, int Use>
struct scratch {
  static constexpr std::size_t kept = (std::size_t{16} << 20) / sizeof(T);
  std::vector<T> own;
  T* p;
  explicit scratch(std::size_t n) {
    if (n > kept) {
      own.resize(n);
      p = own.data();
      return;
    }
    thread_local std::vector<T> buf;
    if (buf.size() < n) buf = std::vector<T>(n);
    p = buf.data();
  }
};

/// The im2col matrix of x written to `cols` (g.rows() x g.cols(), zeros where a window
/// leaves the input).
template <class T>
void im2col_to(T* cols, const T* x, const conv_geometry& g) {
  std::fill(cols, cols + g.rows() * g.cols(), T(0));
  for_im2col(g, [&](std::size_t at, std::size_t in, std::size_t len) {
    // a short run (9 values for 3x3 taps of 3 channels): a loop, not a memmove call, on
    // pointers that do not alias, so that clang vectorises it too
    T* __restrict to = cols + at;
    const T* __restrict from = x + in;
    for (std::size_t i = 0; i < len; ++i) to[i] = from[i];
  });
}
template <class T>
scratch<T, 0> im2col(const T* x, const conv_geometry& g) {
  scratch<T, 0> cols(g.rows() * g.cols());
  im2col_to(cols.p, x, g);
  return cols;
}

struct conv2d_op {
  using structural = void;
  static constexpr std::string_view name = "conv2d";
  /// A recorded convolution keeps its im2col matrix for the filters' VJP (the hand-written
  /// step's choice; computing it again was a third of the step), up to this many bytes: above,
  /// keeping it for every layer until the backward pass would cost more memory than the copy
  /// costs time (a 3x3 window makes it 9 times the input), and the VJP computes it again.
  static constexpr std::size_t kept_bytes = std::size_t{16} << 20;
  template <class X, class K, class P>
    requires std::is_floating_point_v<elem_t<X>>
  using kept = kept_buffer<elem_t<X>>;

  template <class X, class K>
  static xt::xtensor<elem_t<X>, 4> value(const X& x, const K& k, const conv2d_options& o) {
    static_assert(std::is_same_v<elem_t<X>, elem_t<K>>, TT_E15_ELEMENT_TYPES);
    const conv_geometry g = geometry(x, k, o);
    xt::xtensor<elem_t<X>, 4> out(std::array<std::size_t, 4>{g.n, g.oh, g.ow, g.f});
    gemm(false, false, g.rows(), g.f, g.cols(), im2col(x.data(), g).p, k.data(), out.data());
    return out;
  }
  template <class X, class K>
  static xt::xtensor<elem_t<X>, 4> value_keeping(kept_buffer<elem_t<X>>& cols, const X& x,
                                                 const K& k, const conv2d_options& o) {
    static_assert(std::is_same_v<elem_t<X>, elem_t<K>>, TT_E15_ELEMENT_TYPES);
    const conv_geometry g = geometry(x, k, o);
    const std::size_t n = g.rows() * g.cols();
    if (n * sizeof(elem_t<X>) > kept_bytes) return value(x, k, o);
    xt::xtensor<elem_t<X>, 4> out(std::array<std::size_t, 4>{g.n, g.oh, g.ow, g.f});
    elem_t<X>* c = cols.take(n);
    im2col_to(c, x.data(), g);
    gemm(false, false, g.rows(), g.f, g.cols(), c, k.data(), out.data());
    return out;
  }
  template <std::size_t I, class X, class K, class P, class V, class G>
  static auto vjp_kept(const kept_buffer<elem_t<X>>& cols, const X& x, const K& k, const P& o,
                       const V& v, const G& gout) {
    if constexpr (I == 1) {
      if (!cols.empty()) {  // d filters = cols^T . d out, from the kept matrix
        const conv_geometry g = geometry(x, k, o);
        K dk = same_shape(k);
        gemm(true, false, g.cols(), g.f, g.rows(), cols.data(), gout.data(), dk.data());
        return dk;
      }
    }
    return vjp<I>(x, k, o, v, gout);
  }
  template <std::size_t I, class X, class K, class P, class V, class G>
  static auto vjp(const X& x, const K& k, const P& o, const V&, const G& gout) {
    const conv_geometry g = geometry(x, k, o);
    if constexpr (I == 0) {  // d input: d cols = d out . K^T, then col2im
      const scratch<elem_t<X>, 1> buf(g.rows() * g.cols());
      elem_t<X>* dcols = buf.p;
      gemm(false, true, g.rows(), g.cols(), g.f, gout.data(), k.data(), dcols);
      X dx = zeros_like(x);
      for_im2col(g, [&](std::size_t at, std::size_t in, std::size_t len) {
        for (std::size_t i = 0; i < len; ++i) dx.data()[in + i] += dcols[at + i];
      });
      return dx;
    } else {  // d filters = cols^T . d out
      K dk = same_shape(k);
      gemm(true, false, g.cols(), g.f, g.rows(), im2col(x.data(), g).p, gout.data(), dk.data());
      return dk;
    }
  }
};

}  // namespace detail

/// 2-D convolution of NHWC input with HWCF filters (TensorFlow's layout):
/// `tt::conv2d(x, w, {.stride = 2, .pad = tt::padding::same})`. Channel counts
/// that differ throw tt::shape_error naming both shapes; a rank other than 4 is TT-E13.
template <class X, class K>
  requires operand<X> && expression<K>
constexpr auto conv2d(X&& x, K&& k, conv2d_options o = {}) {
  using VX = detail::value_of_t<detail::closure_t<X&&, double>>;
  using VK = detail::value_of_t<K>;
  constexpr bool ok = detail::rank_v<VX> == 4 && detail::rank_v<VK> == 4;
  using offender = std::conditional_t<detail::rank_v<VX> == 4, VK, VX>;
  static_assert(diag::axis_and_rank_fit_the_op<offender, ok>, TT_E13_RANK);
  return detail::make_if<ok, detail::conv2d_op>(std::forward<X>(x), std::forward<K>(k),
                                                constant<conv2d_options>{o});
}

}  // namespace tt
