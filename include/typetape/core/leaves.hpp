// The leaves of an expression tree: constant, variable (and the var_ref a tree holds),
// watched constant, let. A leaf's identity is its name; see core/node.hpp for the
// interface every tree element has.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../detail/tensor_hooks.hpp"
#include "diagnostics.hpp"

namespace tt {

// ---- leaves ------------------------------------------------------------------------------

/// A constant: never a source (TT-E03) unless watched with tt::watch.
template <class T>
struct constant {
  using tt_expression = void;
  using value_type = T;
  T v;

  struct record {
    T v;
  };
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    r.v = v;
  }
  template <class Ctx>
  TT_INLINE constexpr void backward(const record&, const T&, Ctx&) const {}
};
template <class T>
constant(T) -> constant<T>;

/// A named source. Expressions refer to it by reference: its identity is its name.
/// Not copyable, so one name cannot silently stand for two objects.
template <class Name, class T>
class basic_variable {
  static_assert(!tensor_like<T> || detail::is_dense_tensor<T>, TT_E15_TENSOR_VARIABLE);

 public:
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;

  constexpr explicit basic_variable(T v = T{}) noexcept(std::is_nothrow_move_constructible_v<T>)
      : v_(std::move(v)) {}
  basic_variable(const basic_variable&) = delete;
  basic_variable& operator=(const basic_variable&) = delete;

  /// Assignment changes later recordings only (gradients use values at recording).
  /// A tensor variable is not copied by a recording: assigning to it while a tape
  /// that recorded it is still to be used makes that tape's gradient() throw.
  template <class U>
    requires std::is_assignable_v<T&, U&&>
  constexpr basic_variable& operator=(U&& v) {
    v_ = std::forward<U>(v);
    ++version_;
    return *this;
  }
  /// `w -= lr * g` as an update. A tensor of the same shape (say a gradient scaled in
  /// place, `g *= -lr; w += g;`) is added in place; an xtensor expression goes through
  /// xtensor, which evaluates it into a temporary first (it may read w itself).
  template <class U>
  constexpr basic_variable& operator+=(const U& d) {
    if (!in_place<1>(d)) v_ += d;
    ++version_;
    return *this;
  }
  template <class U>
  constexpr basic_variable& operator-=(const U& d) {
    if (!in_place<-1>(d)) v_ -= d;
    ++version_;
    return *this;
  }
  constexpr const T& get() const noexcept { return v_; }
  /// Changes the value in place, `f(value)` (an optimizer's step): no copy, and the
  /// version moves on as for any assignment.
  template <class F>
  constexpr void update(F&& f) {
    std::forward<F>(f)(v_);
    ++version_;
  }
  constexpr void set(T v) {
    v_ = std::move(v);
    ++version_;
  }
  /// How many times the value was changed (tensor variables only; 0 for scalars).
  constexpr std::uint64_t version() const noexcept {
    if constexpr (tensor_like<T>)
      return version_;
    else
      return 0;
  }
  static constexpr std::string_view name() noexcept { return Name::view(); }

  /// The current value taken out of the expression: a detaching node (TT-E02 if a
  /// gradient is asked through it), implicitly convertible to T.
  constexpr auto value() const&;
  void value() const&& = delete;

 private:
  struct no_version {
    constexpr no_version& operator++() noexcept { return *this; }
  };
  T v_;
  [[no_unique_address]] std::conditional_t<tensor_like<T>, std::uint64_t, no_version> version_{};
  /// v_ += Sign * d elementwise, when both are dense tensors of one shape; false otherwise.
  template <int Sign, class U>
  constexpr bool in_place(const U& d) {
    if constexpr (detail::is_dense_tensor<T> && detail::is_dense_tensor<U>) {
      const auto& a = v_.shape();
      const auto& b = d.shape();
      if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) return false;
      auto* p = v_.data();
      const auto* q = d.data();
      for (std::size_t i = 0, n = v_.size(); i < n; ++i) {
        if constexpr (Sign > 0)
          p[i] += q[i];
        else
          p[i] -= q[i];  // not p[i] += -1 * q[i]: -1 * an unsigned q wraps
      }
      return true;
    } else {
      return false;
    }
  }
};

/// A variable inside an expression tree.
template <class Name, class T>
struct var_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  const basic_variable<Name, T>* p;

  struct scalar_record {
    T v;
  };
  /// A tensor is not copied: the record points at the variable and remembers its
  /// version, and reading a value the variable no longer holds throws.
  struct tensor_record {
    const basic_variable<Name, T>* var = nullptr;
    std::uint64_t version = 0;
    const T& get() const {
      if (var->version() != version) detail::throw_modified(Name::view());
      return var->get();
    }
  };
  using record = std::conditional_t<tensor_like<T>, tensor_record, scalar_record>;
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    if constexpr (tensor_like<T>)
      r = {p, p->version()};
    else
      r.v = p->get();
  }
  template <class G, class Ctx>  // G is T; an rvalue tensor adjoint is moved, not copied
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
};

/// A constant made a source by tt::watch<"c">(c) (TensorFlow's tape.watch).
template <class Name, class T>
struct watched_ref {
  using tt_expression = void;
  using value_type = T;
  using name_type = Name;
  const constant<T>* p;

  struct scalar_record {
    T v;
  };
  struct tensor_record {  // a tensor constant's value is shared and immutable: not copied
    const T* p = nullptr;
    const T& get() const noexcept { return *p; }
  };
  using record = std::conditional_t<tensor_like<T>, tensor_record, scalar_record>;
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx&) const {
    if constexpr (tensor_like<T>)
      r.p = &p->get();
    else
      r.v = p->v;
  }
  template <class G, class Ctx>  // G is T; an rvalue tensor adjoint is moved, not copied
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
};

/// A named intermediate: one node of the graph however often it is used (value
/// computed once per recording, adjoint accumulated), and a valid source.
template <class Name, class Body>
struct let_node {
  using tt_expression = void;
  using value_type = typename Body::value_type;
  using name_type = Name;
  using body_type = Body;
  Body body;

  struct scalar_record {
    value_type v;
  };
  /// A tensor let's value is kept once, in the tape's slot for the let (a heap box whose
  /// address is stable: detail::let_box); each use points at it.
  struct tensor_record {
    const value_type* p = nullptr;
    const value_type& get() const noexcept { return *p; }
  };
  using record = std::conditional_t<tensor_like<value_type>, tensor_record, scalar_record>;
  template <class Ctx>
  TT_INLINE constexpr void forward(record& r, const Ctx& ctx) const {
    if constexpr (tensor_like<value_type>)
      r.p = &ctx.template let_value<Name>();
    else
      r.v = ctx.template let_value<Name>();
  }
  template <class G, class Ctx>
  TT_INLINE constexpr void backward(const record&, G&& g, Ctx& ctx) const {
    ctx.template accumulate<Name>(std::forward<G>(g));
  }
  static constexpr std::string_view name() noexcept { return Name::view(); }
  /// The value taken out of the expression (TensorFlow's .numpy()): detaching.
  constexpr auto value() const { return detail::extract(*this); }
};

}  // namespace tt
