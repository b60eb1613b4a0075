// The differential fuzzer (fuzz.hpp), first part: the trees of the even seeds 0, 2, ..., 14,
// each in double and in float, checked by reverse mode against long-double finite differences
// and against forward mode. test_fuzz_b.cpp has the odd seeds.
//
// Compile time: each file takes g++ 12 about 30 s and 1.9 GB at -O2, clang 14 about 22 s and
// 1.1 GB; with -g, g++ needs 48 s and 2.7 GB (the debug information of the expression types),
// so build these two files with -g0. Under the sanitizers (about 50 s a tree on g++),
// -DFUZZ_TREES_PER_PART=2 compiles the first two trees of each part only.
#include "fuzz.hpp"

#ifndef FUZZ_TREES_PER_PART
#define FUZZ_TREES_PER_PART 8
#endif

namespace {

constexpr std::uint64_t first_seed = 0, step = 2;
constexpr std::size_t trees = FUZZ_TREES_PER_PART, all_trees = 16;
// both parts: at least 10,000 (tree, point) pairs checked against finite differences
static_assert(2 * all_trees * fuzz::variants * fuzz::points * fuzz::min_checked_share >= 10000);

const auto& part() {
  static const auto es = fuzz::entries<first_seed, step>(std::make_index_sequence<trees>{});
  return es;
}

}  // namespace

TEST_CASE("fuzz: the trees of both parts have every op, where, sum_of, floor/round/sign, lets") {
  // drawn only (constexpr), not compiled: cheap for the other part's trees too
  CHECK(fuzz::missing(fuzz::specs<0>(std::make_index_sequence<all_trees>{})) == "");
}

TEST_CASE("fuzz, even seeds, in double") { fuzz::check_part<double>(part()); }

TEST_CASE("fuzz, even seeds, in float") { fuzz::check_part<float>(part()); }
