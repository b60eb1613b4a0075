// expect: in the 'consumed' state
// only: clang
// seed 001 / 003: a second std::move(t).gradient() on a consumed tape. clang's
// typestate analysis sees it (-Werror=consumed); g++ throws tt::consumed_tape_error.
#include <typetape/typetape.hpp>
#include <utility>

int main() {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record(y);
  double dy_dx = std::move(t).gradient(y, x);
#ifndef TT_CONTROL
  dy_dx += std::move(t).gradient(y, x);
#endif
  return dy_dx == 4.0 ? 0 : 1;
}
