// xtensor's headers typetape uses, at their paths in xtensor 0.26 and later
// (xtensor/containers/, xtensor/misc/) or in the flat layout of the releases before it.
#pragma once

#if __has_include(<xtensor/containers/xtensor.hpp>)
#include <xtensor/containers/xfixed.hpp>
#include <xtensor/containers/xtensor.hpp>
#include <xtensor/misc/xmanipulation.hpp>
#else
#include <xtensor/xfixed.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>
#endif
