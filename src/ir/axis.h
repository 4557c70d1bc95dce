// Axis and broadcasting rules shared by shape inference, constant folding, the reference kernels, the
// frontends and the exporters: each written once.
#pragma once
#include <cstdint>

#include "core/shape.h"

namespace qd::ir {

// Axis in [-rank, rank) -> [0, rank); throws a user error (no context) otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank);

// Numpy broadcast of two shapes. Symbolic dims (< 0) broadcast with 1 or themselves, and a symbolic dim
// against a static one takes the static one. Throws a user error (no context) when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace qd::ir
