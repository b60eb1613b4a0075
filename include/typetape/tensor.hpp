// typetape with tensors: xtensor-valued variables and constants, fused elementwise
// ops with NumPy broadcasting, reductions, shape ops, matmul and conv2d (BLAS),
// softmax and losses, and gradients at many points at once on SIMD batches.
// Needs xtensor, xsimd and a cblas (Debian: xtensor-dev libxsimd-dev libopenblas-dev);
// link BLAS (meson: dependency('openblas')).
#pragma once

#include "tape/tape.hpp"  // first: keeps diagnostics' include chains short
#include "typetape.hpp"
#include "eval/tensor.hpp"
#include "eval/batch.hpp"
#include "ops/reduce.hpp"
#include "ops/shape.hpp"
#include "ops/linalg.hpp"
#include "ops/conv.hpp"
#include "ops/nn.hpp"
