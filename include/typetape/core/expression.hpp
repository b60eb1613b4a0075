// An expression: the leaves (core/leaves.hpp), the generic node (core/node.hpp) and the
// closure rule (core/closure.hpp), with the concepts they share (core/concepts.hpp).
#pragma once

#include "concepts.hpp"
#include "leaves.hpp"
#include "node.hpp"
#include "closure.hpp"
