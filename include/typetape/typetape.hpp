// typetape: reverse-mode automatic differentiation where the computation is a
// typed expression tree and the gradient tape is a type.
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

#include "fwd.hpp"
#include "core/diagnostics.hpp"
#include "core/concepts.hpp"
#include "core/leaves.hpp"
#include "core/node.hpp"
#include "core/closure.hpp"
#include "core/expression.hpp"
#include "core/sum_chain.hpp"
#include "core/traits.hpp"
#include "ops/arithmetic.hpp"
#include "ops/elementwise.hpp"
#include "ops/control.hpp"
#include "ops/custom.hpp"
#include "tape/tape.hpp"
#include "ops/loop.hpp"
#include "tape/higher.hpp"

#endif  // TYPETAPE_LANGUAGE_OK
