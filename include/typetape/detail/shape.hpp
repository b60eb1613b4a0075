// Shapes at run time for the tensor back end: a small on-stack shape, NumPy
// broadcasting, strides seen from a broadcast shape, the adjoint of broadcasting
// (summing back), resizing results; tt::shape_error messages naming the shapes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include "xtensor.hpp"

#include "../core/diagnostics.hpp"
#include "tensor_hooks.hpp"

namespace tt::detail {

// ---- shapes ---------------------------------------------------------------------------------
/// A shape of up to 8 axes, on the stack: the shape bookkeeping of a fused region
/// allocates nothing (a tensor of higher rank throws tt::shape_error).
class shape_vec {
 public:
  static constexpr std::size_t capacity = 8;
  shape_vec() = default;
  explicit shape_vec(std::size_t n, std::size_t v = 0) {
    grow(n);
    std::fill(begin(), end(), v);
  }
  shape_vec(std::initializer_list<std::size_t> l) : shape_vec(l.begin(), l.end()) {}
  template <class It>
  shape_vec(It b, It e) {
    for (; b != e; ++b) push_back(static_cast<std::size_t>(*b));
  }
  shape_vec(const std::vector<std::size_t>& v)
      : shape_vec(v.begin(), v.end()) {}  // NOLINT: implicit
  // Copies only the axes in use, one by one. The implicit copy moves all 64 bytes with wide
  // loads, which cannot take their data from the narrow stores that have just filled a shape
  // (a plan, a broadcast): the load waits for the stores to reach the cache, tens of cycles
  // per copy, and a fused region copies shapes several times per pass.
  shape_vec(const shape_vec& o) noexcept : n_(o.n_) {
    for (std::size_t i = 0; i < n_; ++i) d_[i] = o.d_[i];
  }
  shape_vec& operator=(const shape_vec& o) noexcept {
    n_ = o.n_;
    for (std::size_t i = 0; i < n_; ++i) d_[i] = o.d_[i];
    return *this;
  }
  std::size_t size() const noexcept { return n_; }
  std::size_t& operator[](std::size_t i) noexcept { return d_[i]; }
  std::size_t operator[](std::size_t i) const noexcept { return d_[i]; }
  std::size_t* begin() noexcept { return d_.data(); }
  std::size_t* end() noexcept { return d_.data() + n_; }
  const std::size_t* begin() const noexcept { return d_.data(); }
  const std::size_t* end() const noexcept { return d_.data() + n_; }
  void push_back(std::size_t v) {
    grow(n_ + 1);
    d_[n_ - 1] = v;
  }
  void insert(std::size_t* at, std::size_t v) {
    const auto i = static_cast<std::size_t>(at - d_.data());
    grow(n_ + 1);
    for (std::size_t k = n_ - 1; k > i; --k) d_[k] = d_[k - 1];
    d_[i] = v;
  }
  friend bool operator==(const shape_vec& a, const shape_vec& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void grow(std::size_t n) {
    if (n > capacity) throw shape_error("typetape supports tensors of rank 8 at most");
    n_ = n;
  }
  std::array<std::size_t, capacity> d_{};
  std::size_t n_ = 0;
};

template <class T>
shape_vec shape_of(const T& v) {
  if constexpr (tensor_like<T>)
    return shape_vec(v.shape().begin(), v.shape().end());
  else
    return {};
}

inline std::string shape_str(const shape_vec& s) {
  std::string r = "(";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + (s.size() == 1 ? ",)" : ")");
}

/// Throws tt::shape_error: "<op>: <what> (2, 3) and (4,)".
[[noreturn]] inline void shape_fail(std::string_view op, std::string_view what, const shape_vec& a,
                                    const shape_vec& b) {
  std::string m(op);
  m += ": ";
  m += what;
  m += " " + shape_str(a) + " and " + shape_str(b);
  throw shape_error(m);
}

/// The number of elements of a shape, or tt::shape_error naming the op and the shape when
/// it does not fit in std::size_t (it would wrap, and a wrapped size allocates and loops
/// over the wrong number of elements).
inline std::size_t checked_size(std::string_view op, const shape_vec& s) {
  std::size_t n = 1;
  for (auto d : s)
    if (__builtin_mul_overflow(n, d, &n))
      throw shape_error(std::string(op) + ": the shape " + shape_str(s) +
                        " has more elements than std::size_t can count");
  return n;
}

/// NumPy broadcasting of two shapes; `op` names the op in the error.
inline shape_vec broadcast_shapes(std::string_view op, const shape_vec& a, const shape_vec& b) {
  // the common cases first (a fused region asks for its shape on every pass): a scalar
  // operand, or operands of one shape, whose size a tensor of that shape already fits
  if (b.size() == 0 || a == b) return a;
  if (a.size() == 0) return b;
  const std::size_t n = std::max(a.size(), b.size());
  shape_vec r(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::size_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1)
      r[i] = da;
    else if (da == 1)
      r[i] = db;
    else
      shape_fail(op, "shapes cannot broadcast:", a, b);
  }
  checked_size(op, r);
  return r;
}

template <class A, class B>
void check_same_shape(const char* what, const A& a, const B& b) {
  if (shape_of(a) != shape_of(b)) shape_fail(what, "shapes differ:", shape_of(a), shape_of(b));
}

template <class T>
T zeros_like(const T& t) {
  T r = t;
  std::fill(r.begin(), r.end(), elem_t<T>(0));
  return r;
}

template <class T>
void shape_like_into(T& a, const T& like) {
  if (shape_of(a) != shape_of(like)) a.resize(like.shape());
}

template <class T>
void zero_like_into(T& a, const T& like) {
  if (shape_of(a) == shape_of(like))
    std::fill(a.begin(), a.end(), elem_t<T>(0));
  else
    a = zeros_like(like);
}

/// Row-major strides of `from` seen from a broadcast shape `to` (0 along broadcast axes).
inline shape_vec broadcast_strides(const shape_vec& from, const shape_vec& to) {
  shape_vec st(to.size(), 0);
  std::size_t s = 1;
  for (std::size_t k = from.size(); k-- > 0;) {
    const std::size_t i = k + (to.size() - from.size());
    st[i] = from[k] == 1 ? 0 : s;
    s *= from[k];
  }
  return st;
}
inline std::size_t product(const shape_vec& s) {
  std::size_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

/// Visits (i, j): i runs over the elements of shape `to` in order, j is the element
/// of a tensor of shape `from` that broadcasting maps to it.
template <class F>
void for_broadcast(const shape_vec& from, const shape_vec& to, F&& f) {
  const shape_vec st = broadcast_strides(from, to);
  const std::size_t n = product(to), r = to.size();
  // runs along the last axis (read along, or one element repeated), so the inner loops
  // vectorise; an odometer over the other axes
  const std::size_t len = r ? to[r - 1] : 1, step = r ? st[r - 1] : 0;
  shape_vec idx(r, 0);
  std::size_t j = 0;
  for (std::size_t i = 0; i < n; i += len) {
    if (step == 1)
      for (std::size_t m = 0; m < len; ++m) f(i + m, j + m);
    else
      for (std::size_t m = 0; m < len; ++m) f(i + m, j);
    for (std::size_t k = r ? r - 1 : 0; k-- > 0;) {
      if (++idx[k] < to[k]) {
        j += st[k];
        break;
      }
      j -= st[k] * (to[k] - 1);
      idx[k] = 0;
    }
  }
}

/// Sums `full` (of shape `to`) back to shape `from`: the adjoint of broadcasting.
template <class T>
void unbroadcast_into(const T* full, const shape_vec& to, T* out, const shape_vec& from) {
  std::fill(out, out + product(from), T(0));
  for_broadcast(from, to, [&](std::size_t i, std::size_t j) { out[j] += full[i]; });
}

/// Resizes a result container to a run-time shape (a fixed shape must match).
template <class V>
void resize_to(V& v, const shape_vec& s, std::string_view op) {
  if (shape_of(v) == s) return;
  if constexpr (!static_shape<V>::known &&
                requires { v.resize(std::array<std::size_t, rank_v<V>>{}); }) {
    if (s.size() != rank_v<V>) shape_fail(op, "rank mismatch:", shape_of(v), s);
    std::array<std::size_t, rank_v<V>> a{};
    std::copy(s.begin(), s.end(), a.begin());
    v.resize(a);
  } else {
    shape_fail(op, "the result's fixed shape is not", shape_of(v), s);
  }
}

}  // namespace tt::detail
