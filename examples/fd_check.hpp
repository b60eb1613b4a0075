// Shared by the tensor examples: one element of a typetape gradient against a central
// finite difference of the loss, printed side by side; mismatches are counted.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <typetape/tensor.hpp>

namespace example {

inline int failures = 0;

/// Element k of the gradient g of loss w.r.t. the variable v, against a central difference.
template <class L, class V, class G>
void check_fd(const char* what, const L& loss, V& v, const G& g, std::size_t k) {
  const auto v0 = v.get();
  auto at = [&](double e) {
    auto p = v0;
    p.data()[k] += e;
    v = p;
    return tt::eval(loss);
  };
  const double fd = (at(1e-6) - at(-1e-6)) / 2e-6;
  v = v0;
  const bool ok = std::abs(fd - g.data()[k]) <= 1e-6 * std::max(1.0, std::abs(fd));
  failures += !ok;
  std::printf("  %-44s element %4zu: %12.8f   (finite differences %12.8f)%s\n", what, k, g.data()[k], fd,
              ok ? "" : "  MISMATCH");
}

}  // namespace example
