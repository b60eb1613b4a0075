// Tensor gradcheck: typetape's vector-Jacobian products against central finite
// differences of the forward values (Richardson-refined, with the rounding noise
// allowed for), with a random output weight for tensor-valued targets.
#pragma once
#include <typetape/tensor.hpp>

#include <xtensor/xrandom.hpp>

#include "gradcheck.hpp"

namespace ttest {

/// A tensor of the given shape with uniform random entries in [lo, hi).
template <class T = xt::xtensor<double, 2>>
T random_tensor(sampler& s, const tt::detail::shape_vec& shape, double lo = -1, double hi = 1) {
  T t{};
  tt::detail::resize_to(t, shape, "random_tensor");
  for (auto& x : t) x = static_cast<typename T::value_type>(s(lo, hi));
  return t;
}

/// <seed, y>: the scalar a tensor target is reduced to (plain C++, no typetape).
template <class Y, class S>
double weigh(const Y& y, const S& seed) {
  if constexpr (tt::tensor_like<Y>) {
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += double(seed.data()[i]) * double(y.data()[i]);
    return s;
  } else {
    return double(seed) * double(y);
  }
}

/// Every element's finite-difference derivative of loss() w.r.t. the variable v.
template <class L, class V>
std::vector<estimate> element_differences(const L& loss, V& v) {
  using T = typename V::value_type;
  using E = tt::detail::elem_t<T>;
  const double eps = std::numeric_limits<E>::epsilon();
  std::vector<estimate> out;
  T x0 = v.get();
  const std::size_t n = [&] {
    if constexpr (tt::tensor_like<T>)
      return x0.size();
    else
      return std::size_t{1};
  }();
  auto at = [](T& t, std::size_t i) -> E& {
    if constexpr (tt::tensor_like<T>)
      return t.data()[i];
    else
      return (void)i, t;
  };
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(richardson(at(x0, i), eps, 1e-2, 16, [&](E y) {
      T p = x0;
      at(p, i) = y;
      v = p;
      return loss();
    }));
  }
  v = x0;
  return out;
}

template <class G>
double element(const G& g, std::size_t i) {
  if constexpr (tt::tensor_like<G>)
    return double(g.data()[i]);
  else
    return (void)i, double(g);
}

/// The weight a gradcheck puts on y (draw(shape) for a tensor y, 1 for a scalar) and the
/// gradient of <seed, y> w.r.t. each v, as {seed, gradients}.
template <class Y, class Draw, class... V>
auto seeded_gradient(const Y& y, Draw&& draw, V&... v) {
  using YV = typename Y::value_type;
  YV seed{};
  if constexpr (tt::tensor_like<YV>)
    seed = draw(tt::detail::shape_of(tt::eval(y)));
  else
    seed = YV(1);
  auto grads = [&] {
    if constexpr (tt::tensor_like<YV>)
      return tt::gradient(y, std::tie(v...), tt::output_gradients(seed));
    else
      return tt::gradient(y, std::tie(v...));
  }();
  return std::pair{seed, std::move(grads)};
}

/// gradcheck for tensors: d <seed, y> / d v for each variable v, the seed random
/// (tensor targets) or 1 (scalar targets).
template <class Y, class... V>
void tensor_gradcheck(const Y& y, tolerance tol, V&... v) {
  sampler s{std::mt19937_64{7}};
  using YV = typename Y::value_type;
  const auto sg = seeded_gradient(
      y, [&](const auto& shape) { return random_tensor<YV>(s, shape); }, v...);
  const auto& seed = sg.first;  // (clang 14 cannot capture structured bindings)
  const auto& grads = sg.second;
  const auto loss = [&] { return weigh(tt::eval(y), seed); };
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    (
        [&](auto& var, const auto& g) {
          INFO("d/d", var.name());
          CHECK(tt::detail::shape_of(g) == tt::detail::shape_of(var.get()));
          const auto fd = element_differences(loss, var);
          for (std::size_t i = 0; i < fd.size(); ++i) {
            INFO("element ", i, ": typetape ", element(g, i), ", finite differences ", fd[i].value,
                 " (noise ", fd[i].noise, ")");
            CHECK(close(element(g, i), fd[i].value, tol, fd[i].noise));
          }
        }(v, std::get<J>(grads)),
        ...);
  }
  (std::index_sequence_for<V...>{});
}
template <class Y, class... V>
void tensor_gradcheck(const Y& y, V&... v) {
  tensor_gradcheck(y, tolerance{1e-6, 0}, v...);
}

}  // namespace ttest
