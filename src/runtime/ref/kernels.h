// Naive reference kernels (NCHW, f32): the oracle for the fast backend and the fallback for ops that
// have no oneDNN mapping. Clarity over speed: plain loops, no SIMD, no oneDNN.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"

namespace qd::runtime::ref {

// --- activations (activations.cpp) ---
// Applies one activation to a scalar (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Swish).
float activate(float x, const ir::FusedActivation& act);
void activate_inplace(float* data, int64_t n, const ir::FusedActivation& act);
// Standalone activation node: `op` with its ActAttrs.
Tensor activation(const Tensor& x, ir::OpKind op, const ir::ActAttrs& attrs);
// The FusedActivation equivalent of a standalone activation node.
ir::FusedActivation to_fused(ir::OpKind op, const ir::ActAttrs& attrs);

// --- unary_math.cpp --- elementwise Erf, Sqrt and exact Gelu: x * 0.5 * (1 + erf(x / sqrt(2))).
Tensor unary_math(const Tensor& x, ir::OpKind op);

// --- layer_norm.cpp --- y = (x - mean) / sqrt(var + eps) * scale + bias over the attrs' axes
// (biased variance, as ONNX and PyTorch); bias may be empty.
Tensor layer_norm(const Tensor& x, const Tensor& scale, const Tensor& bias, const ir::LayerNormAttrs& attrs);

// --- conv2d.cpp ---
// x [N,C,H,W], w [O,C/group,kh,kw], bias [O] or empty. Applies attrs.activation if set.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ir::ConvAttrs& attrs);

// --- batchnorm.cpp --- (inference: y = scale * (x - mean) / sqrt(var + eps) + bias, per channel axis 1)
Tensor batchnorm(const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                 const Tensor& var, float epsilon);

// --- binary.cpp --- Add/Sub/Mul/Div/Pow with numpy broadcasting (ops::binary, shared with constant folding).
Tensor binary(ir::OpKind op, const Tensor& a, const Tensor& b);

// --- pool.cpp --- NCHW pooling; output size per ONNX (ceil_mode: last window starts inside input/left pad).
Tensor max_pool(const Tensor& x, const ir::PoolAttrs& attrs);
Tensor avg_pool(const Tensor& x, const ir::PoolAttrs& attrs);
Tensor global_avg_pool(const Tensor& x);
Tensor global_max_pool(const Tensor& x);

// --- reduce.cpp --- op: ReduceMean, ReduceMax or ReduceSum.
Tensor reduce(const Tensor& x, ir::OpKind op, const ir::ReduceAttrs& attrs);
Tensor reduce_mean(const Tensor& x, const ir::ReduceAttrs& attrs);

// --- gemm.cpp ---
// ONNX Gemm: Y = alpha * op(A) * op(B) + beta * C (C broadcast to [M,N], may be empty); fused activation.
Tensor gemm(const Tensor& a, const Tensor& b, const Tensor& c, const ir::GemmAttrs& attrs);
// numpy matmul: batched, broadcasting over leading dims; 1-D operands promoted as numpy does.
Tensor matmul(const Tensor& a, const Tensor& b);

// --- softmax.cpp --- softmax along `axis` (opset 13 semantics: one axis).
Tensor softmax(const Tensor& x, int64_t axis);

// --- data_movement.cpp --- concat, transpose, slice and split are src/ops's (shared with constant folding).
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);
Tensor pad(const Tensor& x, const ir::PadAttrs& attrs);
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm);
// Slice with normalised attrs (see ir::SliceAttrs); Split into attrs.sizes parts along attrs.axis.
Tensor slice(const Tensor& x, const ir::SliceAttrs& attrs);
std::vector<Tensor> split(const Tensor& x, const ir::SplitAttrs& attrs);
// NCHW channel shuffle: output channel k*group + g = input channel g*(C/group) + k.
Tensor shuffle_channel(const Tensor& x, int64_t group);

}  // namespace qd::runtime::ref
