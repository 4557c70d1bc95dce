// The operations of the qdeploy graph IR. Frontends translate file formats to these; the runtime and
// exporters consume them. Names follow ONNX where an ONNX op exists.
#pragma once
#include <optional>
#include <string_view>

namespace qd::ir {

enum class OpKind {
  Conv,                // inputs: X, W [, B]          attrs: ConvAttrs
  BatchNormalization,  // inputs: X, scale, bias, mean, var   attrs: BatchNormAttrs
  Relu,
  Clip,       // attrs: ActAttrs{alpha=min, beta=max}
  LeakyRelu,  // attrs: ActAttrs{alpha}
  Sigmoid,
  HardSigmoid,  // attrs: ActAttrs{alpha, beta}: max(0, min(1, alpha*x+beta))
  HardSwish,    // x * HardSigmoid(x; 1/6, 1/2)
  Swish,        // x * Sigmoid(x) (SiLU); formed from that product by passes::FuseGatedActivation
  Add,          // numpy broadcasting
  Sub,
  Mul,
  Div,
  MaxPool,      // attrs: PoolAttrs
  AveragePool,  // attrs: PoolAttrs
  GlobalAveragePool,
  GlobalMaxPool,
  ReduceMean,  // attrs: ReduceAttrs (axes always an attribute in the IR)
  Flatten,     // attrs: AxisAttrs
  Reshape,     // attrs: ReshapeAttrs (target shape always an attribute in the IR)
  Squeeze,     // attrs: AxesAttrs
  Unsqueeze,   // attrs: AxesAttrs
  Gemm,        // inputs: A, B [, C]         attrs: GemmAttrs
  MatMul,
  Softmax,  // attrs: AxisAttrs
  Concat,   // attrs: AxisAttrs
  Identity,
  Dropout,    // inference: identity
  Pad,        // attrs: PadAttrs (pads always an attribute in the IR)
  Transpose,  // attrs: AxesAttrs (perm)
  Erf,
  Sqrt,
  Pow,             // numpy broadcasting, x ** y
  Gelu,            // exact: x * 0.5 * (1 + erf(x / sqrt(2))) (fused from its ONNX pattern)
  LayerNorm,       // inputs: X, scale [, bias]   attrs: LayerNormAttrs
  ReduceMax,       // attrs: ReduceAttrs
  ReduceSum,       // attrs: ReduceAttrs
  Slice,           // attrs: SliceAttrs (starts/ends/axes/steps always attributes in the IR)
  Split,           // attrs: SplitAttrs; one output per part
  ShuffleChannel,  // attrs: ShuffleChannelAttrs: NCHW channel shuffle (Reshape-Transpose-Reshape)
};

std::string_view op_name(OpKind op);
std::optional<OpKind> op_from_name(std::string_view name);

// True for Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Swish.
bool is_activation(OpKind op);
// True for ReduceMean, ReduceMax, ReduceSum.
bool is_reduce(OpKind op);
// True for Add, Sub, Mul, Div.
bool is_binary(OpKind op);

}  // namespace qd::ir
