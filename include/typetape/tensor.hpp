// typetape with tensors: xtensor-valued variables and constants, fused elementwise
// ops with NumPy broadcasting, reductions, shape ops, matmul and conv2d (BLAS),
// softmax and losses, and gradients at many points at once on SIMD batches.
// Needs xtensor, xsimd and a cblas (Debian: xtensor-dev libxsimd-dev libopenblas-dev);
// link BLAS (meson: dependency('openblas')).
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

// The headers whose static_asserts users see come first, each included from here
// directly: the diagnostics' "In file included from" chains stay two lines long.
#include "core/node.hpp"
#include "core/closure.hpp"
#include "tape/tape.hpp"
#include "core/sum_chain.hpp"
#include "ops/arithmetic.hpp"
#include "ops/elementwise.hpp"
#include "ops/control.hpp"
#include "ops/loop.hpp"
#include "typetape.hpp"
#include "eval/tensor.hpp"
#include "eval/batch.hpp"
#include "ops/reduce.hpp"
#include "ops/shape.hpp"
#include "ops/linalg.hpp"
#include "ops/conv.hpp"
#include "ops/nn.hpp"
#include "ops/scan.hpp"

#endif  // TYPETAPE_LANGUAGE_OK
