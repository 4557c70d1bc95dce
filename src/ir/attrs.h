// One typed attribute struct per op family. Frontends fill them; nothing downstream reads raw keys.
#pragma once
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "ir/op_kind.h"

namespace qd::ir {

// An activation applied to an op's output (fused by a pass or read from ncnn's activation_type).
struct FusedActivation {
  OpKind kind = OpKind::Relu;  // Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Swish
  float alpha = 0.f;           // Clip: min; LeakyRelu: slope; HardSigmoid: alpha
  float beta = 0.f;            // Clip: max; HardSigmoid: beta
};

// The 2-D window of a convolution or a pooling, pads explicit (auto_pad resolved by the frontend): one
// type, so frontends and exporters read and write it once for both.
struct Window2d {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

struct ConvAttrs : Window2d {
  int dilation_h = 1, dilation_w = 1;
  int group = 1;
  std::optional<FusedActivation> activation;
};

struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

// Parameters of standalone activations (see OpKind comments for meaning).
struct ActAttrs {
  float alpha = 0.f;
  float beta = 0.f;
};

struct PoolAttrs : Window2d {
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

struct ReduceAttrs {
  std::vector<int64_t> axes;  // normalised to non-negative
  bool keepdims = true;
};

// Slice with every axis explicit: axes non-negative and distinct, steps non-zero, starts non-negative;
// a positive step's end may exceed the dim (clamped where used: the ncnn reader cannot resolve it), a
// negative step's start/end are clamped to [0, dim-1] / [-1, dim-1] by the frontend.
struct SliceAttrs {
  std::vector<int64_t> starts, ends, axes, steps;
};

// Split along `axis` (non-negative) into parts of `sizes` (one per output, summing to the axis size).
struct SplitAttrs {
  int64_t axis = 0;
  std::vector<int64_t> sizes;
};

// y[:, c*group + g] = x[:, g*(C/group) + c]: ShuffleNet's channel shuffle, ncnn ShuffleChannel(group).
struct ShuffleChannelAttrs {
  int64_t group = 1;
};

struct AxisAttrs {
  int64_t axis = 1;
};

struct AxesAttrs {
  std::vector<int64_t> axes;  // Squeeze/Unsqueeze axes, Transpose perm
};

struct ReshapeAttrs {
  std::vector<int64_t> shape;  // ONNX semantics: 0 copies the input dim, -1 is inferred
};

struct GemmAttrs {
  float alpha = 1.f, beta = 1.f;
  bool trans_a = false, trans_b = false;
  std::optional<FusedActivation> activation;
};

enum class PadMode { constant, reflect, edge };

struct PadAttrs {
  std::vector<int64_t> pads;  // ONNX order: begin of each axis, then end of each axis
  PadMode mode = PadMode::constant;
  float value = 0.f;
};

// Normalises over the `num_axes` axes starting at `axis` (ONNX LayerNormalization: axis..rank-1;
// ConvNeXt's channel LayerNorm on NCHW: axis 1, one axis): y = (x - mean) / sqrt(var + eps) * scale + bias,
// scale and bias shaped like the normalised axes.
struct LayerNormAttrs {
  int64_t axis = -1;  // normalised to non-negative by frontends and passes
  int64_t num_axes = 1;
  float epsilon = 1e-5f;
};

using Attrs = std::variant<std::monostate, ConvAttrs, BatchNormAttrs, ActAttrs, PoolAttrs, ReduceAttrs,
                           AxisAttrs, AxesAttrs, ReshapeAttrs, GemmAttrs, PadAttrs, LayerNormAttrs,
                           SliceAttrs, SplitAttrs, ShuffleChannelAttrs>;

}  // namespace qd::ir
