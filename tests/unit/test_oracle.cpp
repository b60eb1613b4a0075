// Every tensor op against PyTorch: tests/oracle/tensor_ops.json holds inputs,
// output weights, values and gradients computed by PyTorch (scripts/make-oracle).
// Each case is rebuilt here with typetape; a case in the file without a builder
// here (or the reverse) fails, so no fixture is silently skipped.
#include "oracle.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <typetape/tensor.hpp>

namespace {

using oracle::compare;
using oracle::json;
using oracle::tensor;

const json& fixture() {
  static const json root = oracle::load("tensor_ops.json");
  return root;
}

/// Checks y's value and its gradient w.r.t. the variables against the case.
template <class Y, class... V>
void check(const json& c, const Y& y, V&... v) {
  const std::string name = c["name"].str;
  compare(name + " value", tt::eval(y), c["output"]);
  auto grads = [&] {
    if constexpr (tt::tensor_like<typename Y::value_type>)
      return tt::gradient(
          y, std::tie(v...),
          tt::output_gradients(tensor<tt::detail::rank_v<typename Y::value_type>>(c["seed"])));
    else
      return tt::gradient(y, std::tie(v...));
  }();
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    (compare(name + " d/d" + std::string(v.name()), std::get<J>(grads),
             c["gradients"][std::string(v.name())]),
     ...);
  }
  (std::index_sequence_for<V...>{});
}

using T0 = double;
using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using T4 = xt::xtensor<double, 4>;

// ---- the builders: one per case name ----------------------------------------------------------
#define BINARY(name, RA, RB, ...)                               \
  {                                                             \
    name, [](const json& c) {                                   \
      tt::variable<"a", T##RA> a{tensor<RA>(c["inputs"]["a"])}; \
      tt::variable<"b", T##RB> b{tensor<RB>(c["inputs"]["b"])}; \
      check(c, __VA_ARGS__, a, b);                              \
    }                                                           \
  }
#define UNARY_OF(name, RA, ...)                                 \
  {                                                             \
    name, [](const json& c) {                                   \
      tt::variable<"a", T##RA> a{tensor<RA>(c["inputs"]["a"])}; \
      check(c, __VA_ARGS__, a);                                 \
    }                                                           \
  }

using builder_map = std::map<std::string, std::function<void(const json&)>>;

/// The elementwise ops' cases, from the table: [3, 4] operands, a binary op's second a [4]
/// row (scripts/make-oracle makes the same cases from the same table).
template <class... Op>
void add_table_cases(builder_map& m, tt::detail::tlist<Op...>) {
  (m.emplace(std::string(Op::name.substr(0, Op::name.find(' '))),
             [](const json& c) {
               tt::variable<"a", T2> a{tensor<2>(c["inputs"]["a"])};
               if constexpr (tt::detail::is_binary_op<Op>) {
                 tt::variable<"b", T1> b{tensor<1>(c["inputs"]["b"])};
                 check(c, tt::detail::make<Op>(a, b), a, b);
               } else {
                 check(c, tt::detail::make<Op>(a), a);
               }
             }),
   ...);
}

const builder_map& builders() {
  static const builder_map m = [] {
    builder_map m = {
        BINARY("sub_column", 2, 2, a - b),
        BINARY("mul_outer", 2, 1, a * b),
        BINARY("div_rank3", 3, 2, a / b),
        BINARY("minimum_column", 2, 2, tt::min(a, b)),
        UNARY_OF("where", 2, tt::where(a > 0.0, a * a, -a)),
        {"chain",
         [](const json& c) {
           tt::variable<"a", T2> a{tensor<2>(c["inputs"]["a"])};
           tt::variable<"b", T1> b{tensor<1>(c["inputs"]["b"])};
           tt::variable<"s"> s{c["inputs"]["s"]["data"].items.at(0).num};
           check(c, tt::tanh(a * s + b) * tt::exp(-a * a), a, b, s);
         }},
        UNARY_OF("sum_all", 2, tt::sum(a)),
        UNARY_OF("sum_axis0", 2, tt::sum<0>(a)),
        UNARY_OF("mean_axis1", 3, tt::mean<1>(a)),
        UNARY_OF("max_axis1", 2, tt::reduce_max<1>(a)),
        UNARY_OF("min_all", 2, tt::reduce_min(a)),
        UNARY_OF("prod_axis1", 2, tt::prod<1>(a)),
        UNARY_OF("logsumexp_axis1", 2, tt::log_sum_exp<1>(a)),
        UNARY_OF("logsumexp_all", 2, tt::log_sum_exp(a)),
        UNARY_OF("reshape", 2, tt::reshape(a, {2, 6})),
        UNARY_OF("transpose", 2, tt::transpose(a)),
        UNARY_OF("permute", 3, tt::transpose<1, 2, 0>(a)),
        UNARY_OF("slice", 2, tt::slice(a, {1, 3}, {0, 6, 2})),
        BINARY("concatenate", 2, 2, tt::concatenate<0>(a, b)),
        BINARY("stack", 2, 2, tt::stack<1>(a, b)),
        UNARY_OF("broadcast_to", 2, tt::broadcast_to(a, {3, 5})),
        BINARY("matmul", 2, 2, tt::matmul(a, b)),
        BINARY("matvec", 2, 1, tt::matmul(a, b)),
        BINARY("vecmat", 1, 2, tt::matmul(a, b)),
        BINARY("dot", 1, 1, tt::dot(a, b)),
        BINARY("conv2d_valid", 4, 4, tt::conv2d(a, b)),
        BINARY("conv2d_same_stride2", 4, 4,
               tt::conv2d(a, b, {.stride = 2, .pad = tt::padding::same})),
        UNARY_OF("softmax", 2, tt::softmax(a)),
        UNARY_OF("log_softmax", 2, tt::log_softmax(a)),
        BINARY("cross_entropy", 2, 2, tt::cross_entropy(a, b)),
        BINARY("mse", 2, 2, tt::mse(a, b)),
        {"dense",
         [](const json& c) {
           tt::variable<"a", T2> a{tensor<2>(c["inputs"]["a"])};
           tt::variable<"b", T1> b{tensor<1>(c["inputs"]["b"])};
           tt::variable<"x", T1> x{tensor<1>(c["inputs"]["x"])};
           check(c, tt::sum(tt::square(tt::tanh(tt::matmul(a, x) + b))), a, b, x);
         }},
    };
    add_table_cases(m, tt::detail::elementwise_ops{});
    return m;
  }();
  return m;
}

}  // namespace

TEST_CASE("every tensor op matches PyTorch's values and gradients (tests/oracle/tensor_ops.json)") {
  const auto& cases = fixture()["cases"].items;
  CHECK(cases.size() == builders().size());
  for (const auto& c : cases) {
    const std::string name = c["name"].str;
    INFO("case ", name);
    const auto it = builders().find(name);
    CHECK_MESSAGE(it != builders().end(), "no typetape builder for the oracle case " << name);
    if (it != builders().end()) it->second(c);
  }
  for (const auto& entry : builders()) {  // an op added to the table needs its case
    const std::string& name = entry.first;
    const bool found = std::any_of(cases.begin(), cases.end(),
                                   [&](const json& c) { return c["name"].str == name; });
    CHECK_MESSAGE(found, "no PyTorch case for " << name << ": re-run scripts/make-oracle");
  }
}
