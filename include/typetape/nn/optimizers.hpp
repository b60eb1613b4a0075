// Optimizers: update a structure of parameters in place from the same structure of
// gradients (what tt::gradient(loss, model.params()) returns).
//
//   tt::nn::adam opt{.lr = 1e-3};
//   for (...) { auto g = tt::gradient(loss, model.params()); opt.step(model.params(), g); }
//
// State (velocities, moments) is kept per parameter position and sized at the first
// step; a later step with other parameter counts or sizes throws tt::shape_error (TT-E12)
// naming the parameter. Updates run over each parameter's elements in place: no
// allocation after the first step.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "../core/expression.hpp"

namespace tt::nn {
namespace detail {

/// Calls f(k, param, grad) for each parameter k (one variable, or a tuple of them).
template <class P, class G, class F>
void each_param(P&& params, const G& grads, F&& f) {
  if constexpr (requires { std::tuple_size<std::remove_cvref_t<P>>::value; }) {
    static_assert(std::tuple_size_v<std::remove_cvref_t<P>> == std::tuple_size_v<G>,
                  TT_E16_OPTIMIZER_COUNT);
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (f(K, std::get<K>(params), std::get<K>(grads)), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<G>>{});
  } else {
    f(std::size_t{0}, params, grads);
  }
}

/// The state of one parameter: `slots` buffers of its size.
struct param_state {
  std::vector<std::vector<double>> buf;
};
/// Throws unless g fits parameter k (its shape; its state's size, once there is state).
template <class V, class G>
void check_grad(const char* who, std::size_t k, const V& var, const G& g,
                const std::vector<param_state>& st) {
  const std::size_t n = tt::detail::element_count(var.get());
  bool same = tt::detail::element_count(g) == n;
  if constexpr (tensor_like<std::remove_cvref_t<decltype(var.get())>> && tensor_like<G>) {
    const auto& a = var.get().shape();
    const auto& b = g.shape();
    same = std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  if (!same)
    throw shape_error(std::string(who) + ": the gradient of parameter " + std::to_string(k) + " (" +
                      std::string(var.name()) + ") has " +
                      std::to_string(tt::detail::element_count(g)) + " elements, the parameter " +
                      std::to_string(n) +
                      (tt::detail::element_count(g) == n ? " (another shape)" : ""));
  if (k < st.size() && !st[k].buf.empty() && st[k].buf[0].size() != n)
    throw shape_error(std::string(who) + ": parameter " + std::to_string(k) + " (" +
                      std::string(var.name()) + ") changed size since the first step, from " +
                      std::to_string(st[k].buf[0].size()) + " to " + std::to_string(n) +
                      " elements");
}
/// Validates every parameter first (nothing is updated if one does not fit), then sizes
/// the state of each at its first step.
template <class P, class G>
void prepare(const char* who, P& params, const G& grads, std::vector<param_state>& st,
             std::size_t slots) {
  each_param(params, grads,
             [&](std::size_t k, auto& var, const auto& g) { check_grad(who, k, var, g, st); });
  each_param(params, grads, [&](std::size_t k, auto& var, const auto&) {
    if (st.size() <= k) st.resize(k + 1);
    if (st[k].buf.empty())
      st[k].buf.assign(slots, std::vector<double>(tt::detail::element_count(var.get()), 0.0));
  });
}
}  // namespace detail

/// Stochastic gradient descent with (optionally) momentum, PyTorch's form:
/// v = momentum v + g; w -= lr v (v = g when momentum is 0); nesterov: w -= lr (g + momentum v).
struct sgd {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;  // g += weight_decay w (L2), before momentum
  std::vector<detail::param_state> state{};

  template <class P, class G>
  void step(P&& params, const G& grads) {
    detail::prepare("sgd", params, grads, state, 1);
    detail::each_param(params, grads, [&](std::size_t k, auto& var, const auto& g) {
      auto& v = state[k].buf[0];
      const auto* q = tt::detail::element_data(g);
      var.update([&](auto& w) {
        auto* p = tt::detail::element_data(w);
        for (std::size_t i = 0; i < v.size(); ++i) {
          const double gi = double(q[i]) + weight_decay * double(p[i]);
          v[i] = momentum * v[i] + gi;
          const double d = nesterov ? gi + momentum * v[i] : v[i];
          p[i] = static_cast<std::remove_reference_t<decltype(p[i])>>(double(p[i]) - lr * d);
        }
      });
    });
  }
};

/// Adam (Kingma & Ba), with bias correction: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g²,
/// w -= lr m̂ / (sqrt(v̂) + eps).
struct adam {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  std::vector<detail::param_state> state{};
  long long t = 0;

  template <class P, class G>
  void step(P&& params, const G& grads) {
    detail::prepare("adam", params, grads, state, 2);
    ++t;
    const double c1 = 1.0 - std::pow(beta1, double(t)), c2 = 1.0 - std::pow(beta2, double(t));
    detail::each_param(params, grads, [&](std::size_t k, auto& var, const auto& g) {
      auto& m = state[k].buf[0];
      auto& v = state[k].buf[1];
      const auto* q = tt::detail::element_data(g);
      var.update([&](auto& w) {
        auto* p = tt::detail::element_data(w);
        for (std::size_t i = 0; i < m.size(); ++i) {
          const double gi = double(q[i]);
          m[i] = beta1 * m[i] + (1.0 - beta1) * gi;
          v[i] = beta2 * v[i] + (1.0 - beta2) * gi * gi;
          p[i] = static_cast<std::remove_reference_t<decltype(p[i])>>(
              double(p[i]) - lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
        }
      });
    });
  }
};

}  // namespace tt::nn
