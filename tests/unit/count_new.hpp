// Counts every global operator new of the test program that includes this header (one
// translation unit per program: the replacements below are its definitions).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace ttest {
inline std::size_t allocations = 0;
}  // namespace ttest

// The replacement pair below is malloc/free on both sides; g++ cannot see that
// under -fsanitize and warns about a mismatch.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) {
  ++ttest::allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
