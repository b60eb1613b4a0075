// The differential fuzzer (fuzz.hpp), second part: the trees of the odd seeds 1, 3, ..., 15,
// each in double and in float (test_fuzz_a.cpp has the even seeds, checks that the trees of
// both parts together have every op, and says how to build these files).
#include "fuzz.hpp"

#ifndef FUZZ_TREES_PER_PART
#define FUZZ_TREES_PER_PART 8
#endif

namespace {

constexpr std::uint64_t first_seed = 1, step = 2;
constexpr std::size_t trees = FUZZ_TREES_PER_PART;

const auto& part() {
  static const auto es = fuzz::entries<first_seed, step>(std::make_index_sequence<trees>{});
  return es;
}

}  // namespace

TEST_CASE("fuzz, odd seeds, in double") { fuzz::check_part<double>(part()); }

TEST_CASE("fuzz, odd seeds, in float") { fuzz::check_part<float>(part()); }
