// Data movement on tensors of any element type (elements copied as bytes): the one implementation behind
// constant folding and the reference runtime. Plain loops, small or reference-speed tensors. Throws a user
// error (no context) on inconsistent inputs; callers add the node name.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"

namespace qd::ops {

// out dims = x dims permuted (out[i] = x[perm[i]]); perm empty reverses the axes (ONNX default).
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm);
// Same dtype and rank, equal dims off the (possibly negative) axis.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);
// ONNX Gather: out shape = data[:axis] + indices.shape + data[axis+1:]; negative indices count from the end.
Tensor gather(const Tensor& data, const std::vector<int64_t>& indices, const Shape& indices_shape,
              int64_t axis);

// ONNX Slice (opset 10+) arguments resolved against a static `shape`: axes empty = 0..n-1, steps empty = 1,
// negative starts/ends counted from the end and clamped (positive step to [0, dim]; negative step start to
// [0, dim-1], end to [-1, dim-1]); axes whose slice is the whole axis are dropped.
ir::SliceAttrs normalize_slice(const Shape& shape, const std::vector<int64_t>& starts,
                               const std::vector<int64_t>& ends, std::vector<int64_t> axes,
                               std::vector<int64_t> steps);
// Slice with normalised attrs (see ir::SliceAttrs; an end past the dim is clamped here).
Tensor slice(const Tensor& x, const ir::SliceAttrs& attrs);
// Split into attrs.sizes parts along attrs.axis.
std::vector<Tensor> split(const Tensor& x, const ir::SplitAttrs& attrs);

}  // namespace qd::ops
