// Every diagnostic's condition as a public trait: the negative cases are cheap
// static_asserts here; the compile errors themselves are in ../compile_fail/.
#include "gradcheck.hpp"

namespace {
tt::variable<"x"> x{2.0};
tt::variable<"y"> y{3.0};
tt::variable<"n", int> n{3};
const tt::constant<double> c{1.0};
auto h = tt::let<"h">(x * y);
}  // namespace

// E01: not used at all
static_assert(!tt::uses<decltype(y * y), decltype(x)>);
static_assert(tt::uses<decltype(y * x), decltype(x)>);
// E02: only through detaching nodes, of each kind
static_assert(tt::only_detached<decltype(tt::stop_gradient(x) * y), decltype(x)>);
static_assert(tt::only_detached<decltype(tt::cast<double>(tt::cast<int>(x))), decltype(x)>);
static_assert(tt::only_detached<decltype(x.value() * 2.0), decltype(x)>);
static_assert(tt::only_detached<decltype(tt::floor(x) + y), decltype(x)>);
static_assert(tt::only_detached<decltype(tt::where(x > 1.0, y, y * 2.0)), decltype(x)>);
static_assert(!tt::only_detached<decltype(x * 2.0 + tt::stop_gradient(x)), decltype(x)>);
static_assert(tt::differentiable_wrt<decltype(x * 2.0 + tt::stop_gradient(x)), decltype(x)>);
// E03: constants and integers are not sources
static_assert(!tt::is_source<decltype(c)>);
static_assert(!tt::is_source<decltype(n)>);
static_assert(!tt::is_source<double>);
static_assert(!tt::is_source<decltype(x * y)>);
static_assert(tt::is_source<decltype(h)>);
static_assert(tt::is_source<decltype(tt::watch<"c">(c))>);
// E04: a non-persistent tape needs an rvalue
static_assert(!tt::can_take_gradient<tt::tape<tt::non_persistent, decltype(h)>&>);
static_assert(tt::can_take_gradient<tt::tape<tt::non_persistent, decltype(h)>&&>);
static_assert(tt::can_take_gradient<tt::tape<tt::persistent, decltype(h)>&>);
// E05: the targets a tape's type records (its targets and the lets inside them)
using tape_h = tt::tape<tt::persistent, decltype(h * 2.0)>;
static_assert(tt::recorded_on<tape_h, decltype(h * 2.0)>);
static_assert(tt::recorded_on<tape_h&, decltype(h)>);
static_assert(
    tt::recorded_on<tape_h, decltype(h * 3)>);  // same type (3 becomes a double constant):
                                                // another value is TT-E05 at run time
static_assert(!tt::recorded_on<tape_h, decltype(h + 2.0)>);
static_assert(!tt::recorded_on<tape_h, decltype(x * y)>);
// E07: a tuple of targets needs output_gradients; one target does not
static_assert(tt::needs_output_gradients<std::tuple<decltype(h), decltype(x * 2.0)>>);
static_assert(!tt::needs_output_gradients<decltype(h * 2.0)>);
// E06: comparisons are recorded, not bools
static_assert(tt::is_recorded_comparison<decltype(x > 1.0)>);
// (convertible in declaration only: using the conversion is the TT-E06 static_assert)
// E09: temporaries dangle
static_assert(tt::dangles<tt::variable<"t">&&>);
static_assert(!tt::dangles<tt::variable<"t">&>);
// E10: names are unique
static_assert(!tt::names_are_unique<decltype(tt::let<"x">(y * 2.0) + x)>);
static_assert(tt::names_are_unique<decltype(h + x)>);

TEST_CASE("the traits agree with what gradient() does") {
  // analytic: d(2xy)/dx = 2y = 6; d(2x + stop(x))/dx = 2
  CHECK(tt::gradient(h * 2.0, x) == 6.0);
  CHECK(tt::gradient(x * 2.0 + tt::stop_gradient(x), x) == 2.0);
  CHECK(tt::gradient(x * n + c, x) ==
        3.0);  // the integer leaf and the constant are operands, not sources
  auto t = tt::record<tt::persistent>(h * 2.0);
  static_assert(tt::recorded_on<decltype(t), decltype(h)>);
  CHECK(t.gradient(h, y) == 2.0);  // the let inside a recorded target is a target: d(xy)/dy = x
  CHECK_THROWS_WITH_AS(t.gradient(h * 3.0, x), doctest::Contains("TT-E05"),
                       tt::unrecorded_target_error);
}
