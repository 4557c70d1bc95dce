// The ncnn file-format vocabulary: layer type names, integer param ids, enum values and .bin tags.
// This is the ONLY place in qdeploy where ncnn's numeric keys appear; the reader (frontend/ncnn) and
// the writer (exporters/ncnn) both use these names. Source: ncnn docs "param and model file structure"
// and "operation param weight table", plus files written by ncnn's own tools.
#pragma once
#include <cstdint>
#include <string_view>

namespace qd::ncnn {

constexpr int kParamMagic = 7767517;  // first line of every .param file

// A param key <= kArrayKeyBase is an array "-23300-id=n,v0,v1,...": id = kArrayKeyBase - key.
constexpr int kArrayKeyBase = -23300;

// ncnn's ParamDict holds ids 0..31 (NCNN_MAX_PARAM_COUNT); the real loader rejects a file with a larger id.
constexpr int kMaxParamCount = 32;

// .bin weight-blob tags (4 bytes before a "tagged" weight blob; raw blobs have no tag).
constexpr uint32_t kTagFp32 = 0x00000000;
constexpr uint32_t kTagFp16 = 0x01306B47;
constexpr uint32_t kTagInt8 = 0x000D4B38;

// Layer type names.
namespace layer {
constexpr std::string_view Input = "Input";
constexpr std::string_view Convolution = "Convolution";
constexpr std::string_view ConvolutionDepthWise = "ConvolutionDepthWise";
constexpr std::string_view InnerProduct = "InnerProduct";
constexpr std::string_view ReLU = "ReLU";
constexpr std::string_view Clip = "Clip";
constexpr std::string_view Sigmoid = "Sigmoid";
constexpr std::string_view HardSigmoid = "HardSigmoid";
constexpr std::string_view HardSwish = "HardSwish";
constexpr std::string_view Swish = "Swish";
constexpr std::string_view BinaryOp = "BinaryOp";
constexpr std::string_view Eltwise = "Eltwise";
constexpr std::string_view Pooling = "Pooling";
constexpr std::string_view Softmax = "Softmax";
constexpr std::string_view Flatten = "Flatten";
constexpr std::string_view Reshape = "Reshape";
constexpr std::string_view Concat = "Concat";
constexpr std::string_view Padding = "Padding";
constexpr std::string_view Dropout = "Dropout";
constexpr std::string_view Noop = "Noop";
constexpr std::string_view Split = "Split";
constexpr std::string_view BatchNorm = "BatchNorm";
constexpr std::string_view Scale = "Scale";
constexpr std::string_view MemoryData = "MemoryData";
constexpr std::string_view GELU = "GELU";
constexpr std::string_view LayerNorm = "LayerNorm";
constexpr std::string_view Permute = "Permute";
constexpr std::string_view UnaryOp = "UnaryOp";
constexpr std::string_view Reduction = "Reduction";
constexpr std::string_view Crop = "Crop";
constexpr std::string_view Slice = "Slice";  // ONNX Split (ncnn's "Split" duplicates a blob)
constexpr std::string_view ShuffleChannel = "ShuffleChannel";
}  // namespace layer

// "Not set" marker used by Reshape dims; also the "SAME_UPPER" pad value of Convolution.
constexpr int kUnset = -233;

namespace input {  // Input, MemoryData: per-image blob shape
constexpr int w = 0, h = 1, c = 2, d = 11;
}

namespace conv {  // Convolution and ConvolutionDepthWise
constexpr int num_output = 0, kernel_w = 1, dilation_w = 2, stride_w = 3, pad_left = 4, bias_term = 5,
              weight_data_size = 6, group = 7, int8_scale_term = 8, activation_type = 9,
              activation_params = 10, kernel_h = 11, dilation_h = 12, stride_h = 13, pad_top = 14,
              pad_right = 15, pad_bottom = 16, impl_type = 17, pad_value = 18, dynamic_weight = 19;
constexpr int kPadSameUpper = -233;  // pad_left value: TF-style SAME, extra padding at the end
constexpr int kPadSameLower = -234;  // extra padding at the beginning
// int8_scale_term values written by ncnn2int8; +100 means the output is requantized to int8.
constexpr int kInt8PerChannel = 2;   // Convolution: per-output-channel weight scales
constexpr int kInt8PerGroup = 1;     // ConvolutionDepthWise: one weight scale per group
constexpr int kInt8PerTensorDw = 2;  // ConvolutionDepthWise: one weight scale in total
constexpr int kRequantizeOffset = 100;
}  // namespace conv

namespace innerproduct {
constexpr int num_output = 0, bias_term = 1, weight_data_size = 2, int8_scale_term = 8, activation_type = 9,
              activation_params = 10;
}

// activation_type values of Convolution / ConvolutionDepthWise / InnerProduct.
namespace activation {
constexpr int none = 0, relu = 1, leaky_relu = 2, clip = 3, sigmoid = 4, mish = 5, hard_swish = 6;
}

namespace relu {
constexpr int slope = 0;
}
namespace clip {
constexpr int min = 0, max = 1;
}
namespace hard_sigmoid {  // also HardSwish: y = x * clamp(alpha*x + beta, 0, 1)
constexpr int alpha = 0, beta = 1;
constexpr float kDefaultAlpha = 0.2f, kDefaultBeta = 0.5f;
}  // namespace hard_sigmoid

namespace binaryop {
constexpr int op_type = 0, with_scalar = 1, b = 2;
constexpr int add = 0, sub = 1, mul = 2, div = 3, max = 4, min = 5, pow = 6, rsub = 7, rdiv = 8;
}  // namespace binaryop

namespace eltwise {
constexpr int op_type = 0, coeffs = 1;
constexpr int prod = 0, sum = 1, max = 2;
}  // namespace eltwise

namespace pooling {
constexpr int pooling_type = 0, kernel_w = 1, stride_w = 2, pad_left = 3, global_pooling = 4, pad_mode = 5,
              avgpool_count_include_pad = 6, adaptive_pooling = 7, kernel_h = 11, stride_h = 12, pad_top = 13,
              pad_right = 14, pad_bottom = 15;
constexpr int type_max = 0, type_avg = 1;
constexpr int mode_full = 0, mode_valid = 1, mode_same_upper = 2, mode_same_lower = 3;  // full = ceil
}  // namespace pooling

// The 2-D window params (ir::Window2d) of Convolution/ConvolutionDepthWise and Pooling: the same fields under
// different ids, so the reader and the writer each handle both layers with one function. Defaults as ncnn
// reads them: kernel_h = kernel_w, stride_h = stride_w, pad_right = pad_top = pad_left, pad_bottom = pad_top.
struct WindowParamIds {
  int kernel_w, kernel_h, stride_w, stride_h, pad_left, pad_right, pad_top, pad_bottom;
  int dilation_w = -1, dilation_h = -1;  // -1: the layer has no dilation (Pooling)
  // Written order only: our Convolution lines have always listed pad_top before pad_right, Pooling lines
  // the other way round (kept so the .param files stay byte-identical).
  bool pad_top_before_right = false;
};
namespace conv {
constexpr WindowParamIds window{kernel_w, kernel_h,   stride_w,   stride_h,   pad_left, pad_right,
                                pad_top,  pad_bottom, dilation_w, dilation_h, true};
}
namespace pooling {
constexpr WindowParamIds window{kernel_w, kernel_h,  stride_w, stride_h,
                                pad_left, pad_right, pad_top,  pad_bottom};
}

namespace softmax {
constexpr int axis = 0, fixbug0 = 1;
}
namespace concat {
constexpr int axis = 0;
}
namespace reshape {
constexpr int w = 0, h = 1, c = 2, permute = 3, d = 11;
}
namespace padding {
constexpr int top = 0, bottom = 1, left = 2, right = 3, type = 4, value = 5, per_channel_pad_data_size = 6,
              front = 7, behind = 8;
constexpr int type_constant = 0, type_replicate = 1, type_reflect = 2;
}  // namespace padding
namespace dropout {
constexpr int scale = 0;
}
namespace batchnorm {  // weights (all raw fp32[channels]): slope, mean, variance, bias
constexpr int channels = 0, eps = 1;
}
namespace scale {  // weights (raw fp32): scale[n], bias[n] when bias_term
constexpr int scale_data_size = 0, bias_term = 1;
}

namespace gelu {
constexpr int fast_gelu = 0;  // 0: exact erf GELU; 1: tanh approximation
}
namespace layernorm {  // weights (raw fp32[affine_size]): gamma, beta when affine
constexpr int affine_size = 0, eps = 1, affine = 2;
constexpr float kDefaultEps = 0.001f;
}  // namespace layernorm
namespace permute {
// order_type for a 3-D blob (c, h, w): the output axes in terms of the input's. With the IR's batch
// axis in front, type t is the NCHW perm kPerm[t].
constexpr int order_type = 0;
constexpr int kNumOrders = 6;
constexpr int64_t kPerm[kNumOrders][4] = {{0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3},
                                          {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 3, 2, 1}};
}  // namespace permute
namespace unaryop {
constexpr int op_type = 0;
constexpr int sqrt = 5;
}  // namespace unaryop
namespace reduction {  // axes count per-image dims from the outermost (c, d, h, w); fixbug0=1 marks that
constexpr int operation = 0, reduce_all = 1, coeff = 2, axes = 3, keepdims = 4, fixbug0 = 5;
constexpr int op_sum = 0, op_mean = 3, op_max = 4;
}  // namespace reduction
namespace crop {  // numpy-style slice: arrays of starts/ends/axes (per-image axes from the outermost)
constexpr int starts = 9, ends = 10, axes = 11;
}
namespace slice {  // ncnn Slice: sizes of the parts along axis (-233 = the rest, split evenly)
constexpr int slices = 0, axis = 1, indices = 2;
}
namespace shuffle_channel {
constexpr int group = 0, reverse = 1;
}

}  // namespace qd::ncnn
