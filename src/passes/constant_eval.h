// Small evaluators for constant sub-graphs: data movement (reshape, transpose, concat, gather, slice),
// casts and elementwise math on constant tensors; the op math itself is src/ops, which the reference
// runtime uses too. Used by fold_constants and by the ONNX frontend to
// fold shape-helper ops (Shape, Gather, Cast, ...) that have no IR op. Not a runtime: no SIMD, small
// tensors expected. Every function returns a new tensor (inputs are never modified) and throws a user
// error (no context) on inconsistent inputs; callers add the node name.
#pragma once
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace qd::passes {

// Integer tensor (i64/i32/i8/u8) -> list of int64; throws for float tensors.
std::vector<int64_t> tensor_to_ints(const Tensor& t);
// 1-D i64 tensor holding `v`.
Tensor ints_to_tensor(const std::vector<int64_t>& v);
// 0-D or 1-element tensor of any dtype -> float.
float tensor_to_scalar(const Tensor& t);

// ONNX Reshape target: 0 copies the input dim (unless allowzero), one -1 is inferred.
Shape resolve_reshape(const Shape& in, const std::vector<int64_t>& spec, bool allowzero = false);

Tensor eval_reshape(const Tensor& x, const Shape& new_shape);
// out[i] = x[perm[i]] dims; perm empty reverses the axes.
Tensor eval_transpose(const Tensor& x, const std::vector<int64_t>& perm);
Tensor eval_concat(const std::vector<Tensor>& xs, int64_t axis);
// ONNX Gather: out shape = data[:axis] + indices.shape + data[axis+1:]; negative indices count from the end.
Tensor eval_gather(const Tensor& data, const Tensor& indices, int64_t axis);
// ONNX Slice (opset 10+): axes empty means 0..n-1, steps empty means 1; starts/ends are clamped.
Tensor eval_slice(const Tensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  std::vector<int64_t> axes, std::vector<int64_t> steps);
// Element conversion (float -> int truncates toward zero, like ONNX Runtime).
Tensor eval_cast(const Tensor& x, DataType to);
// Add/Sub/Mul/Div/Pow with numpy broadcasting; both inputs must have the same dtype (f32, i64 or i32).
// Integer Div truncates toward zero.
Tensor eval_binary(ir::OpKind op, const Tensor& a, const Tensor& b);
// Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid/HardSwish/Swish/Erf/Sqrt/Gelu on an f32 tensor (attrs as in
// ir::ActAttrs).
Tensor eval_activation(ir::OpKind op, const Tensor& x, const ir::ActAttrs& attrs);
// ONNX Range: 1-D tensor start, start+delta, ... < limit (dtype of `start`).
Tensor eval_range(const Tensor& start, const Tensor& limit, const Tensor& delta);
// Tensor of `shape` filled with the single element of `value`.
Tensor eval_constant_of_shape(const std::vector<int64_t>& shape, const Tensor& value);

// Evaluates IR node `n` on constant `inputs` (kNoValue inputs passed as empty tensors). Returns the
// outputs, or nullopt when the op has no constant evaluator (Conv, pools, ...).
std::optional<std::vector<Tensor>> evaluate_node(const ir::Node& n, const std::vector<Tensor>& inputs);

}  // namespace qd::passes
