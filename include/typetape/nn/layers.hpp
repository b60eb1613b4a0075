// Layers with compile-time parameter lists.
//
//   tt::nn::dense<"fc1"> fc1{784, 256};                // parameters fc1.W [784, 256], fc1.b [256]
//   tt::nn::lstm_cell<"lstm"> lstm{16, 32};
//   auto logits = fc2(tt::tanh(fc1(x)));               // a layer call is an expression
//   auto h = tt::scan<"seq">(lstm, std::tie(h0, c0), xs);
//   auto grads = tt::gradient(loss, model.params());   // std::tuple of the parameters' gradients
//
// A layer derives from tt::nn::layer<Self>, lists its variables in params() (a
// std::tuple of references, std::tie) and writes forward(inputs...). Calling it checks,
// at compile time, that forward uses every listed parameter through differentiable ops
// and lists every variable it uses (TT-E08, naming the variable): the two ways a Keras
// layer's weight silently goes untrained.
#pragma once

#include <cmath>
#include <random>

#include "../tensor.hpp"

namespace tt {
namespace detail {
/// "fc1" + ".W": a parameter's name from its layer's.
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> parameter_name(const fixed_string<N>& a, const char (&b)[M]) {
  return joined_name(a, b);
}
}  // namespace detail

namespace nn {
namespace detail {

template <class E>
struct result_parts {  // one expression
  using type = tt::detail::tlist<E>;
};
template <class... E>
struct result_parts<std::tuple<E...>> {  // several (a cell's next state)
  using type = tt::detail::tlist<tt::detail::closure_t<E>...>;
};
template <class L>
struct variable_names;
template <class... X>
struct variable_names<tt::detail::tlist<X...>> {  // the names of the variables among named things
  using type = typename tt::detail::concat < std::conditional_t < requires { X::p; }
  &&!requires { typename X::body_type; }
  , tt::detail::tlist<typename X::name_type>, tt::detail::tlist < >> ... > ::type;
};
template <class... E>
using used_variables = typename variable_names<tt::detail::named_t<E...>>::type;

/// The first parameter the result does not reach through differentiable ops (void if none).
template <class Parts, class Names>
struct first_unused;
template <class... E, class... N>
struct first_unused<tt::detail::tlist<E...>, tt::detail::tlist<N...>> {
  template <class X>
  static constexpr bool live = ((tt::detail::reach_v<E, X> & tt::detail::reach::live) || ...);
  static constexpr std::size_t index = [] {
    constexpr bool ok[] = {live<N>..., false};
    std::size_t i = 0;
    while (i < sizeof...(N) && ok[i]) ++i;
    return i;
  }();
  using type = typename tt::detail::at<index, tt::detail::tlist<N..., void>>::type;
};
/// The first variable the result uses that is neither a parameter nor an input (void if none).
template <class Used, class Allowed>
struct first_unlisted;
template <class... U, class Allowed>
struct first_unlisted<tt::detail::tlist<U...>, Allowed> {
  static constexpr std::size_t index = [] {
    constexpr bool ok[] = {tt::detail::contains_v<U, Allowed>..., false};
    std::size_t i = 0;
    while (i < sizeof...(U) && ok[i]) ++i;
    return i;
  }();
  using type = typename tt::detail::at<index, tt::detail::tlist<U..., void>>::type;
};

/// Glorot-uniform entries (limit sqrt(6 / (fan_in + fan_out))) from a seeded generator.
template <class T, std::size_t R>
xt::xtensor<T, R> glorot(const std::array<std::size_t, R>& shape, std::size_t fan_in,
                         std::size_t fan_out, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  const double limit = std::sqrt(6.0 / double(fan_in + fan_out));
  std::uniform_real_distribution<double> u(-limit, limit);
  xt::xtensor<T, R> w = xt::xtensor<T, R>::from_shape(shape);
  for (auto& v : w) v = static_cast<T>(u(gen));
  return w;
}
template <class T>
xt::xtensor<T, 2> glorot(std::size_t in, std::size_t out, std::uint64_t seed) {
  return glorot<T, 2>({in, out}, in, out, seed);
}
template <class P>
struct used_of;
template <class... P>
struct used_of<tt::detail::tlist<P...>> {
  using type = used_variables<P...>;
};
template <class T, std::size_t R>
xt::xtensor<T, R> filled(const std::array<std::size_t, R>& shape, T value) {
  xt::xtensor<T, R> t = xt::xtensor<T, R>::from_shape(shape);
  std::fill(t.begin(), t.end(), value);
  return t;
}

}  // namespace detail

namespace detail {
/// What a layer call returns after its TT-E08 (the program does not compile, so this never
/// runs): its result, with the parameters as operands the analysis sees as used.
struct after_e08_op {
  using structural = void;
  template <class A, class... P>
  static A value(const A& a, const P&...) {
    return a;
  }
  template <std::size_t I, class... X>
  static auto vjp(const X&...) {
    return std::remove_cvref_t<std::tuple_element_t<I, std::tuple<X...>>>{};
  }
};
}  // namespace detail

/// The base of every layer: `layer(inputs...)` is `forward(inputs...)`, checked (TT-E08).
template <class Self>
struct layer {
  /// A temporary layer called (`tt::nn::dense<"d">{3, 4}(x)`): the expression would hold
  /// its parameters by reference past the end of the statement. TT-E09.
  template <class... X>
  auto operator()(X&&... x) const&& {
    static_assert(diag::variable_is_not_a_temporary<tt::detail::owned_names_t<Self>, false>,
                  TT_E09_LAYER);
    return static_cast<const Self&>(*this).forward(std::forward<X>(x)...);
  }
  template <class... X>
  auto operator()(X&&... x) const& {
    const Self& self = static_cast<const Self&>(*this);
    using E = decltype(self.forward(std::forward<X>(x)...));
    using parts = typename detail::result_parts<E>::type;
    using params = tt::detail::owned_names_t<Self>;  // the names of params()
    using unused = typename detail::first_unused<parts, params>::type;
    using used = typename detail::used_of<parts>::type;
    using inputs = detail::used_variables<tt::detail::closure_t<X&&>...>;
    using unlisted =
        typename detail::first_unlisted<used,
                                        typename tt::detail::concat<params, inputs>::type>::type;
    static_assert(diag::layer_uses_every_parameter<unused, std::is_void_v<unused>>, TT_E08);
    static_assert(diag::layer_lists_every_variable_it_uses<unlisted, std::is_void_v<unlisted>>,
                  TT_E08_UNLISTED);
    if constexpr (!std::is_void_v<unused> && expression<E>)
      // TT-E08 fired: the result comes back with every parameter attached, so that a gradient
      // taken later adds no TT-E01 for the same parameter (one mistake, one diagnostic)
      return std::apply(
          [&](auto&... p) {
            return tt::detail::make<detail::after_e08_op>(self.forward(std::forward<X>(x)...),
                                                          p...);
          },
          const_cast<Self&>(self).params());
    else
      return self.forward(std::forward<X>(x)...);
  }
};

/// x W + b: x [batch, in] (or [in]), W [in, out], b [out]. Glorot-uniform W, zero b.
template <fixed_string Name, class T = double>
struct dense : layer<dense<Name, T>> {
  variable<tt::detail::parameter_name(Name, ".W"), xt::xtensor<T, 2>> W;
  variable<tt::detail::parameter_name(Name, ".b"), xt::xtensor<T, 1>> b;
  dense(std::size_t in, std::size_t out, std::uint64_t seed = 1)
      : W{detail::glorot<T>(in, out, seed)}, b{detail::filled<T, 1>({out}, T(0))} {}
  auto params() { return std::tie(W, b); }
  template <class X>
  auto forward(X&& x) const {
    return tt::matmul(std::forward<X>(x), W) + b;
  }
};

/// h' = tanh(x W + h U + b): a cell for tt::scan (`tt::scan<"seq">(cell, h0, xs)`).
template <fixed_string Name, class T = double>
struct rnn_cell : layer<rnn_cell<Name, T>> {
  variable<tt::detail::parameter_name(Name, ".W"), xt::xtensor<T, 2>> W;
  variable<tt::detail::parameter_name(Name, ".U"), xt::xtensor<T, 2>> U;
  variable<tt::detail::parameter_name(Name, ".b"), xt::xtensor<T, 1>> b;
  rnn_cell(std::size_t in, std::size_t hidden, std::uint64_t seed = 1)
      : W{detail::glorot<T>(in, hidden, seed)},
        U{detail::glorot<T>(hidden, hidden, seed + 1)},
        b{detail::filled<T, 1>({hidden}, T(0))} {}
  auto params() { return std::tie(W, U, b); }
  template <class H, class X>
  auto forward(H&& h, X&& x) const {
    return tt::tanh(tt::matmul(std::forward<X>(x), W) + tt::matmul(std::forward<H>(h), U) + b);
  }
};

/// PyTorch's LSTM cell: z = x W + h U + b, gates i, f, g, o in that order along z's last
/// axis; c' = f c + i g, h' = o tanh(c'). State (h, c): `tt::scan<"seq">(cell, std::tie(h0, c0),
/// xs)`. The forget gate's bias starts at 1 (Jozefowicz et al.; Keras' unit_forget_bias).
template <fixed_string Name, class T = double>
struct lstm_cell : layer<lstm_cell<Name, T>> {
  variable<tt::detail::parameter_name(Name, ".W"), xt::xtensor<T, 2>> W;
  variable<tt::detail::parameter_name(Name, ".U"), xt::xtensor<T, 2>> U;
  variable<tt::detail::parameter_name(Name, ".b"), xt::xtensor<T, 1>> b;
  lstm_cell(std::size_t in, std::size_t hidden, std::uint64_t seed = 1)
      : W{detail::glorot<T>(in, 4 * hidden, seed)},
        U{detail::glorot<T>(hidden, 4 * hidden, seed + 1)},
        b{forget_bias(hidden)} {}
  auto params() { return std::tie(W, U, b); }
  std::size_t hidden() const { return U.get().shape()[0]; }
  template <class H, class C, class X>
  auto forward(H&& h, C&& c, X&& x) const {
    const std::size_t n = hidden();
    auto z = tt::local_let<tt::detail::parameter_name(Name, ".z")>(
        tt::matmul(std::forward<X>(x), W) + tt::matmul(std::forward<H>(h), U) + b);
    auto gate = [&](std::size_t k) { return tt::slice(z, {}, {k * n, (k + 1) * n}); };
    auto c2 = tt::local_let<tt::detail::parameter_name(Name, ".c")>(
        tt::sigmoid(gate(1)) * std::forward<C>(c) + tt::sigmoid(gate(0)) * tt::tanh(gate(2)));
    return std::tuple(tt::sigmoid(gate(3)) * tt::tanh(c2), c2);
  }

 private:
  static xt::xtensor<T, 1> forget_bias(std::size_t hidden) {
    auto b = detail::filled<T, 1>({4 * hidden}, T(0));
    for (std::size_t i = hidden; i < 2 * hidden; ++i) b(i) = T(1);
    return b;
  }
};

/// conv2d(x, K) + b: x NHWC, K [kh, kw, in, out] (TensorFlow's layout), b [out].
template <fixed_string Name, class T = double>
struct conv2d : layer<conv2d<Name, T>> {
  variable<tt::detail::parameter_name(Name, ".K"), xt::xtensor<T, 4>> K;
  variable<tt::detail::parameter_name(Name, ".b"), xt::xtensor<T, 1>> b;
  conv2d_options options;
  conv2d(std::size_t kh, std::size_t kw, std::size_t in, std::size_t out, conv2d_options o = {},
         std::uint64_t seed = 1)
      : K{kernel(kh, kw, in, out, seed)}, b{detail::filled<T, 1>({out}, T(0))}, options(o) {}
  auto params() { return std::tie(K, b); }
  template <class X>
  auto forward(X&& x) const {
    return tt::conv2d(std::forward<X>(x), K, options) + b;
  }

 private:
  static xt::xtensor<T, 4> kernel(std::size_t kh, std::size_t kw, std::size_t in, std::size_t out,
                                  std::uint64_t seed) {
    return detail::glorot<T, 4>({kh, kw, in, out}, kh * kw * in, kh * kw * out,
                                seed);  // a convolution's fans
  }
};

}  // namespace nn
}  // namespace tt
