// Elementwise Add/Sub/Mul/Div/Pow with numpy broadcasting: the one implementation behind constant folding
// (any of f32, i64, i32) and the reference runtime (f32).
#pragma once
#include "core/tensor.h"
#include "ir/op_kind.h"

namespace qd::ops {

// Both inputs must have the same dtype (f32, i64 or i32). Integer Div truncates toward zero and throws on
// a zero divisor; Pow is computed in double. Throws a user error (no context) otherwise.
Tensor binary(ir::OpKind op, const Tensor& a, const Tensor& b);

}  // namespace qd::ops
