// Every diagnostic typetape emits, in one place.
//
// Compile-time misuse is reported by a static_assert written at the public entry
// point the user called (so the first error line is about the user's call). The
// asserted condition is one of the `diag::` variable templates below, which the
// compilers print with the offending name, e.g.
//   'tt::diag::target_uses_source<tt::name<'x'>, false>' evaluates to false
// and the message is one of the TT_Exx literals below. Nothing outside this header
// spells a diagnostic message. docs/errors.md explains each code.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

// clang's typestate analysis (-Wconsumed) turns a second use of a consumed
// non-persistent tape into a compile error on clang; other compilers ignore it
// and rely on the run-time check (tt::consumed_tape_error).
#if defined(__clang__)
#define TT_CONSUMABLE(state) [[clang::consumable(state)]]
#define TT_CALLABLE_WHEN(...) [[clang::callable_when(__VA_ARGS__)]]
#define TT_SET_TYPESTATE(state) [[clang::set_typestate(state)]]
#define TT_RETURN_TYPESTATE(state) [[clang::return_typestate(state)]]
#else
#define TT_CONSUMABLE(state)
#define TT_CALLABLE_WHEN(...)
#define TT_SET_TYPESTATE(state)
#define TT_RETURN_TYPESTATE(state)
#endif

// ---- messages -------------------------------------------------------------------------
#define TT_E08                                                                            \
  "TT-E08: this layer lists a parameter in params() that its forward expression never "   \
  "uses (or uses only through a detaching op), so it would never be trained (TensorFlow " \
  "returns None for it). Fix: use it in forward(), or drop it from params(). See "        \
  "docs/errors.md#tt-e08."
#define TT_E08_UNLISTED                                                                    \
  "TT-E08: this layer's forward expression uses a variable that its params() does not "    \
  "list, so an optimizer stepping params() would never train it (Keras 3 silently leaves " \
  "such a variable out). Fix: add it to params(). See docs/errors.md#tt-e08."
#define TT_E01                                                                                     \
  "TT-E01: the target does not use this source at all, so it has no gradient (TensorFlow "         \
  "would return None). Fix: build the target from the source, or pass tt::unconnected::zero. See " \
  "docs/errors.md#tt-e01."
#define TT_E02_STOP                                                                        \
  "TT-E02: the source reaches the target only through tt::stop_gradient, which cuts the "  \
  "gradient (TensorFlow would return None). Fix: remove stop_gradient from this path, or " \
  "pass tt::unconnected::zero. See docs/errors.md#tt-e02."
#define TT_E02_INT_CAST                                                                        \
  "TT-E02: the source reaches the target only through a cast to an integer or bool type, "     \
  "which has no gradient (TensorFlow would return None). Fix: cast to float/double only. See " \
  "docs/errors.md#tt-e02."
#define TT_E02_EXTRACT                                                                          \
  "TT-E02: the source reaches the target only through .value(), which takes the number out "    \
  "of the expression (like TensorFlow's .numpy(), which gives None). Fix: use the expression. " \
  "See docs/errors.md#tt-e02."
#define TT_E02_PIECEWISE                                                                   \
  "TT-E02: the source reaches the target only through round/floor/ceil/trunc/sign, whose " \
  "gradient "                                                                              \
  "is zero or undefined (TensorFlow returns None). Fix: use a smooth op, or "              \
  "tt::unconnected::zero. See docs/errors.md#tt-e02."
#define TT_E02_COMPARE                                                                        \
  "TT-E02: the source reaches the target only through a comparison (a where() condition), "   \
  "which has no gradient (TensorFlow returns None). Fix: use it in a branch of where(). See " \
  "docs/errors.md#tt-e02."
#define TT_E03_CONSTANT                                                                         \
  "TT-E03: the source is a tt::constant, which is never watched (TensorFlow would return "      \
  "None). Fix: make it a source with tt::watch<\"name\">(c), use that in the target and here. " \
  "See docs/errors.md#tt-e03."
#define TT_E03_INTEGER                                                                       \
  "TT-E03: the source has an integer or bool value type, which has no gradient (TensorFlow " \
  "would return None). Fix: declare it as tt::variable<\"name\", double> (or float). See "   \
  "docs/errors.md#tt-e03."
#define TT_E03_NUMBER                                                                       \
  "TT-E03: the source is a plain number, a value that no expression refers to (TensorFlow " \
  "would return None). Fix: declare it as tt::variable<\"name\"> x{value}; and build the "  \
  "target from x. See docs/errors.md#tt-e03."
#define TT_E03_TENSOR                                                                        \
  "TT-E03: the source is a plain tensor, a value the target only copies as a constant "      \
  "(TensorFlow: an unwatched tensor gives None). Fix: declare it as tt::variable<\"name\", " \
  "xt::xtensor<double, N>> and build the target from that, or watch a tt::constant with "    \
  "tt::watch<\"name\">(c). See docs/errors.md#tt-e03."
#define TT_E03_NESTED                                                                       \
  "TT-E03: a source is itself a tuple: the sources are one source or one flat std::tuple. " \
  "Fix: flatten them, std::tuple_cat(std::tie(a, b), std::tie(c)). See docs/errors.md#tt-e03."
#define TT_E03_NOT_REAL                                                                     \
  "TT-E03: the source's value type is not a real floating-point type (complex numbers and " \
  "other types have no gradient here). Fix: declare it as tt::variable<\"name\", double> "  \
  "(or float), e.g. one variable for each of the real and imaginary parts. See "            \
  "docs/errors.md#tt-e03."
#define TT_E03_UNNAMED                                                                     \
  "TT-E03: the source is an unnamed expression, which is not a node of the graph one can " \
  "ask for. Fix: name it in the target, auto h = tt::let<\"h\">(expr);, and pass h. See "  \
  "docs/errors.md#tt-e03."
#define TT_E01_NUMBER                                                                            \
  "TT-E01: the target is a plain number, not an expression, so it uses no source (like a "       \
  "value computed outside TensorFlow's tape: None). Fix: build the target from tt expressions. " \
  "See docs/errors.md#tt-e01."
#define TT_E04                                                                                   \
  "TT-E04: gradient() consumes a non-persistent tape, so it needs an rvalue: call "              \
  "std::move(t).gradient(...) once. Fix: for several gradients record with tt::persistent. See " \
  "docs/errors.md#tt-e04."
#define TT_E05                                                                              \
  "TT-E05: this target was not recorded on this tape (TensorFlow would return None). Fix: " \
  "record the target itself, e.g. tt::record(target), before asking for its gradient. See " \
  "docs/errors.md#tt-e05."
#define TT_E06                                                                                    \
  "TT-E06: a data-dependent branch: a recorded comparison converted to bool would record "        \
  "only one branch. Fix: tt::where(cond, a, b); to branch on plain numbers compare x.get(). See " \
  "docs/errors.md#tt-e06."
#define TT_E07                                                                              \
  "TT-E07: the target is not a scalar (a tuple of targets), and TensorFlow would silently " \
  "sum it. Fix: pass tt::output_gradients(w1, w2, ...), one weight per target. See "        \
  "docs/errors.md#tt-e07."
#define TT_E07_TENSOR                                                                         \
  "TT-E07: the target is a tensor, and TensorFlow would silently sum it. Fix: differentiate " \
  "tt::sum(target), or pass tt::output_gradients(g) with g of the target's shape. See "       \
  "docs/errors.md#tt-e07."
#define TT_E12_FIXED                                                                              \
  "TT-E12: these fixed-shape tensors cannot broadcast together (each axis, from the last, "       \
  "must be equal or 1). Fix: use shapes that broadcast, or xt::xtensor for run-time shapes. See " \
  "docs/errors.md#tt-e12."
#define TT_E12_FIXED_MATMUL                                                                 \
  "TT-E12: matmul of fixed-shape tensors whose inner dimensions differ. Fix: transpose or " \
  "reshape an operand so that A's last axis and B's first have one length. See "            \
  "docs/errors.md#tt-e12."
#define TT_E12_FIXED_RESHAPE                                                               \
  "TT-E12: reshape of a fixed-shape tensor to a fixed shape of another size. Fix: give a " \
  "shape with as many elements as the tensor has. See docs/errors.md#tt-e12."
#define TT_E13_AXIS                                                                        \
  "TT-E13: the axis is out of range for the tensor's rank (axes count from 0, or from -1 " \
  "for the last). Fix: pass an axis in [-rank, rank). See docs/errors.md#tt-e13."
#define TT_E13_RANK                                                                               \
  "TT-E13: the operand has the wrong rank for this op (matmul takes rank 1 or 2, conv2d "         \
  "takes NHWC input and HWCF filters of rank 4, cross_entropy rank 1 or more). Fix: reshape the " \
  "operand. See docs/errors.md#tt-e13."
#define TT_E13_AT                                                                                \
  "TT-E13: tt::at takes one index per axis of a tensor variable, a fold's tensor state or data " \
  "(a std::vector is one axis). Fix: pass as many indices as the operand has axes. See "         \
  "docs/errors.md#tt-e13."
#define TT_E14                                                                               \
  "TT-E14: an expression is accumulated in a C++ loop (loss = loss + term, loss += term): "  \
  "each iteration would make a new expression type. Fix: write the loop as one node, "       \
  "tt::sum_over<\"i\">(n, [&](auto i) { return term; }), or tt::fold for a recurrence. See " \
  "docs/errors.md#tt-e14."
#define TT_E14_NUMBER                                                                            \
  "TT-E14: an expression is used as a plain number (double loss = expr; loss += expr): it is a " \
  "recorded computation, not a value. Fix: for its value, tt::eval(expr), or "                   \
  "tt::value_and_gradient(expr, sources) with the gradient; for a loop, tt::sum_over<\"i\">(n, " \
  "[&](auto i) { return term; }). See docs/errors.md#tt-e14."
#define TT_E07_COUNT                                                           \
  "TT-E07: tt::output_gradients must give exactly one weight per target. See " \
  "docs/errors.md#tt-e07."
#define TT_E09                                                                             \
  "TT-E09: an expression would hold a temporary variable by reference (a dangling leaf). " \
  "Fix: declare the variable first, tt::variable<\"x\"> x{1.0};, and use x. See "          \
  "docs/errors.md#tt-e09."
#define TT_E09_LAYER                                                                       \
  "TT-E09: a temporary layer is called, and the expression it returns would hold the "     \
  "layer's parameters by reference past the end of the statement (a dangling leaf). Fix: " \
  "declare the layer first, tt::nn::dense<\"d\"> d{3, 4};, and call d(x). See "            \
  "docs/errors.md#tt-e09."
#define TT_E10                                                                                 \
  "TT-E10: two different leaves or intermediates share this name, so their gradients would "   \
  "be mixed up. Fix: give every variable and every let<> in one expression its own name. See " \
  "docs/errors.md#tt-e10."

#define TT_E10_SOURCE                                                                           \
  "TT-E10: the target uses another thing under this source's name (another type of variable, "  \
  "or a let), so the gradient would be the other one's. Fix: pass the object the target uses. " \
  "See docs/errors.md#tt-e10."

// Types, counts and limits the API does not take (TT-E15, TT-E16).
#define TT_E15_TENSOR_VARIABLE                                                           \
  "TT-E15: a tensor variable is a row-major xt::xtensor<T, N> or xt::xtensor_fixed "     \
  "(include <typetape/tensor.hpp>). Fix: evaluate a view or a column-major tensor into " \
  "one first. See docs/errors.md#tt-e15."
#define TT_E15_SUM_OF                                                                     \
  "TT-E15: tt::sum_of adds scalar terms of one floating-point type. Fix: cast the terms " \
  "to one type; for tensors, tt::sum of a tt::stack. See docs/errors.md#tt-e15."
#define TT_E15_DUAL                                                             \
  "TT-E15: tt::dual<T> needs a floating-point T. Fix: use tt::dual<double> or " \
  "tt::dual<float>. See docs/errors.md#tt-e15."
#define TT_E15_ELEMENT_TYPES                                                                      \
  "TT-E15: the operands of matmul or conv2d have different element types (float and double). "    \
  "Fix: tt::cast<double> (or <float>) the typetape operand, or store the data in the other type " \
  "(xt::cast for an xtensor). See docs/errors.md#tt-e15."
#define TT_E15_MATMUL_ELEMENT                                             \
  "TT-E15: matmul and conv2d need float or double elements (BLAS). Fix: " \
  "tt::cast<double>(x) first. See docs/errors.md#tt-e15."
#define TT_E15_CUSTOM_RESULT                                                            \
  "TT-E15: custom_vjp's forward function returns a number or a tensor container. Fix: " \
  "evaluate an xtensor expression into xt::xtensor<T, N> before returning it. See "     \
  "docs/errors.md#tt-e15."
#define TT_E15_CUSTOM_CAPTURE                                                              \
  "TT-E15: custom_vjp takes captureless lambdas (it rebuilds them from their type). Fix: " \
  "pass the captured data as operands. See docs/errors.md#tt-e15."
#define TT_E15_MAP_OVER                                                                   \
  "TT-E15: map_over's body gives one number per index. Fix: for a tensor per index, use " \
  "tt::scan with tt::all_steps. See docs/errors.md#tt-e15."
#define TT_E15_FOLD_STATE                                                                  \
  "TT-E15: a fold's cell returns the next state with another value type than the initial " \
  "state's. Fix: cast the cell's result to the initial state's type. See docs/errors.md#tt-e15."
#define TT_E15_BOOL_SUM                                                               \
  "TT-E15: a reduction of a bool mask would be a bool. Fix: to count a mask, reduce " \
  "tt::cast<double>(mask). See docs/errors.md#tt-e15."
#define TT_E15_SCAN_INPUTS                                                                 \
  "TT-E15: scan's inputs are a tensor whose leading axis is time (xs[t] is step t). Fix: " \
  "pass a tensor, e.g. stack the steps into one. See docs/errors.md#tt-e15."
#define TT_E15_SCAN_CELL                                                                    \
  "TT-E15: a scan's cell returns tt expressions, one per part of the state, each with the " \
  "value type that part came in with. Fix: return std::tuple(h, c) for a state "            \
  "std::tie(h0, c0), of the same types. See docs/errors.md#tt-e15."
#define TT_E15_HIGHER_SCALAR                                                             \
  "TT-E15: jvp, hvp, hessian and jacobian take scalar (double or float) expressions of " \
  "sources of that type; tensor expressions are not supported by them yet. Fix: for a "  \
  "tensor function, take tt::gradient of a scalar of it (a sum, a loss). See "           \
  "docs/errors.md#tt-e15."
#define TT_E15_JACOBIAN_TARGETS                                                         \
  "TT-E15: jacobian's targets are tt expressions. Fix: pass std::tie or std::tuple of " \
  "expressions. See docs/errors.md#tt-e15."
#define TT_E15_TAPE_POLICY                                                                  \
  "TT-E15: a tape's policy is tt::persistent or tt::non_persistent. Fix: tt::record(y) or " \
  "tt::record<tt::persistent>(y). See docs/errors.md#tt-e15."
#define TT_E16_FUSED_INPUTS                                                            \
  "TT-E16: a fused elementwise region has at most 64 inputs. Fix: name a part of the " \
  "expression with tt::let, which ends the region there. See docs/errors.md#tt-e16."
#define TT_E16_BATCH_POINTS                                                           \
  "TT-E16: batch_gradient needs one point array per source, each source once, and a " \
  "scalar expression. Fix: pass as many arrays as sources, in their order. See "      \
  "docs/errors.md#tt-e16."
#define TT_E16_OPTIMIZER_COUNT                                                              \
  "TT-E16: step() takes as many gradients as parameters. Fix: pass the tuple tt::gradient " \
  "returned for these parameters. See docs/errors.md#tt-e16."
#define TT_E16_TANGENTS                                                                \
  "TT-E16: one tangent per source. Fix: pass a std::tuple of tangents as long as the " \
  "tuple of sources. See docs/errors.md#tt-e16."
#define TT_E16_GRADIENT_INTO                                                               \
  "TT-E16: gradient_into takes one place per source, as one tuple right after the "        \
  "sources. Fix: tt::gradient_into(loss, std::tie(a, b), std::tie(ga, gb)), or the tuple " \
  "tt::gradient returned. See docs/errors.md#tt-e16."
#define TT_E15_GRADIENT_INTO                                                                \
  "TT-E15: each place gradient_into writes to is a non-const lvalue of its source's value " \
  "type (double for a scalar variable, its tensor type for a tensor one). Fix: declare "    \
  "the places as tt::gradient returns them: auto g = tt::gradient(loss, params). See "      \
  "docs/errors.md#tt-e15."
#define TT_E09_AT                                                                          \
  "TT-E09: tt::at reads its data in place, and this container is a temporary (a dangling " \
  "leaf). Fix: name the container first, and pass the name. See docs/errors.md#tt-e09."

// Run-time messages (the same codes, for what no type can see).
#define TT_E04_RUNTIME                                                                       \
  "TT-E04: this non-persistent tape was already consumed by gradient(); record a new tape, " \
  "or record with tt::persistent to ask for several gradients."
#define TT_E05_RUNTIME                                                                   \
  "TT-E05: this target has the type of a recorded target but is a different expression " \
  "(other variables or constants); record it before asking for its gradient."
#define TT_E11_RUNTIME_PREFIX "TT-E11: the variable \""
#define TT_E11_RUNTIME                                                                      \
  "\" was assigned after this tape recorded it; the gradient would mix its new value with " \
  "the recorded ones. "                                                                     \
  "Fix: take the gradient before updating the variable, or record again."
#define TT_E12_RUNTIME_PREFIX "TT-E12: "
#define TT_E10_RUNTIME_PREFIX "TT-E10: two different objects are both named \""
#define TT_E10_RUNTIME_RECORDING "\" in one recording; give each its own name."
#define TT_E10_RUNTIME_SOURCE \
  "\": the source passed is not the one the target uses; pass that one, or rename."

namespace tt {

/// The base of typetape's run-time errors: a std::runtime_error whose message starts with its
/// code (TT-E04, E05, E10, E11, E12), so `catch (const std::runtime_error&)` catches them too.
/// (<stdexcept> costs nothing here: the standard headers typetape needs include it already.)
class error : public std::runtime_error {
 public:
  explicit error(std::string_view first, std::string_view second = {}, std::string_view third = {})
      : std::runtime_error(join(first, second, third)) {}

 private:
  /// The message, as a sentence, and where docs/errors.md explains its code ("TT-E12: ..."
  /// ends with ". See docs/errors.md#tt-e12.").
  static std::string join(std::string_view a, std::string_view b, std::string_view c) {
    std::string s;
    s.reserve(a.size() + b.size() + c.size() + 32);
    s.append(a).append(b).append(c);
    if (s.size() > 6 && s.compare(0, 4, "TT-E") == 0) {
      const std::string code = s.substr(4, 2);
      if (s.back() != '.') s += '.';  // "... (2, 3) and (4,)" ends as a sentence
      s.append(" See docs/errors.md#tt-e").append(code).append(".");
    }
    return s;
  }
};

/// Thrown on a second gradient() of a non-persistent tape that no compiler could see.
struct consumed_tape_error : error {
  consumed_tape_error() : error(TT_E04_RUNTIME) {}
};
/// Thrown when a target has a recorded target's type but is another expression.
struct unrecorded_target_error : error {
  unrecorded_target_error() : error(TT_E05_RUNTIME) {}
};
/// Thrown when two distinct variable objects (or lets) with one name meet in a recording.
struct name_clash_error : error {
  explicit name_clash_error(std::string_view name, std::string_view rest = TT_E10_RUNTIME_RECORDING)
      : error(TT_E10_RUNTIME_PREFIX, name, rest) {}
};

namespace detail {
/// The throws of run-time checks, out of line: a check in a long expression's inlined
/// passes is then a compare and a call, not an exception object built in place.
#if defined(__GNUC__) || defined(__clang__)
#define TT_COLD [[noreturn, gnu::noinline, gnu::cold]]
#else
#define TT_COLD [[noreturn]]
#endif
TT_COLD inline void throw_name_clash(std::string_view name,
                                     std::string_view rest = TT_E10_RUNTIME_RECORDING) {
  throw name_clash_error(name, rest);
}
}  // namespace detail

/// Thrown when a tensor variable changed between recording and gradient() (tensor
/// variables are not copied by a recording; PyTorch raises the same way).
struct modified_variable_error : error {
  explicit modified_variable_error(std::string_view name)
      : error(TT_E11_RUNTIME_PREFIX, name, TT_E11_RUNTIME) {}
};
namespace detail {
TT_COLD inline void throw_modified(std::string_view name) { throw modified_variable_error(name); }
}  // namespace detail
/// Thrown when tensor shapes do not fit an op; the message names the op and the shapes.
struct shape_error : error {
  explicit shape_error(std::string_view what) : error(TT_E12_RUNTIME_PREFIX, what) {}
};

/// The conditions the static_asserts print. Each is false exactly when it fires;
/// the first argument is what the compilers show: the name, or the type involved.
namespace diag {
template <class Name, bool Ok>
inline constexpr bool target_uses_source = Ok;  // E01
template <class Name, bool Ok>
inline constexpr bool source_reaches_target_through_differentiable_ops = Ok;  // E02
template <class Source, bool Ok>
inline constexpr bool source_is_a_watched_floating_point_leaf = Ok;  // E03
template <class SourceName, bool Ok>
inline constexpr bool target_is_an_expression_of = Ok;  // E01 (a number)
template <class Tape, bool Ok>
inline constexpr bool tape_is_persistent_or_an_rvalue = Ok;  // E04
template <class Target, bool Ok>
inline constexpr bool target_was_recorded_on_this_tape = Ok;  // E05
template <class Comparison, bool Ok>
inline constexpr bool comparison_is_not_used_as_a_branch = Ok;  // E06
template <class Target, bool Ok>
inline constexpr bool target_is_scalar_or_has_output_gradients = Ok;  // E07
template <class Name, bool Ok>
inline constexpr bool layer_uses_every_parameter = Ok;  // E08
template <class Name, bool Ok>
inline constexpr bool layer_lists_every_variable_it_uses = Ok;  // E08
template <class Name, bool Ok>
inline constexpr bool variable_is_not_a_temporary = Ok;  // E09
template <class Name, bool Ok>
inline constexpr bool name_is_unique = Ok;  // E10
template <class Shapes, bool Ok>
inline constexpr bool fixed_shapes_broadcast = Ok;  // E12
template <class Operand, bool Ok>
inline constexpr bool axis_and_rank_fit_the_op = Ok;  // E13
template <class T, bool Ok>
inline constexpr bool operand_types_fit_the_op = Ok;  // E15
template <class Node, bool Ok>
inline constexpr bool expression_is_built_once_use_tt_sum_over = Ok;  // E14
}  // namespace diag
}  // namespace tt
