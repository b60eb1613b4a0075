// clang-tidy's bugprone-use-after-move sees a second gradient() on a consumed
// tape on every compiler (clang's -Wconsumed sees it only when building with clang).
#include <typetape/typetape.hpp>
#include <utility>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record(y);
  double g = std::move(t).gradient(y, x);
  g += std::move(t).gradient(y, x);  // the misuse clang-tidy must flag
  return g == 8.0 ? 0 : 1;
}
