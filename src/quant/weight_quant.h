// Per-output-channel symmetric weight quantization: step_c = absmax_c / qmax, q = clamp(round(w / step_c)).
// qmax is 127 for 8 bits, 31 for ncnn's 6-bit winograd rule, 7 for 4 bits. All-zero (or tiny) channels get
// step 1 so every scale stays finite (see step_from_threshold).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"
#include "settings/deploy_target.h"

namespace qd::quant {

// Weight bits for a Conv by the target's profile (ncnn: 6 for its int8 winograd convs, else 8).
int conv_weight_bits(const ir::ConvAttrs& conv, DeployTarget target);
// False for a node the target computes wrong in int8, which then stays fp32 in the int8 model. For ncnn
// (TargetProfile::grouped_conv_int8_needs_requant): a grouped, not depthwise, Conv with a multiple of 8
// output channels per group whose output is not requantized (ncnn2int8 requantizes only an output read by
// int8 convs alone). ncnn's x86 int8 ConvolutionDepthWise runs it as one Convolution per group, hands each a
// 4-lane fp32 output slice while that Convolution writes 8/16 lanes (AVX) into a buffer of its own: the
// output stays unwritten (docs/ncnn.md).
bool target_computes_int8(const ir::Node& node, const ir::Graph& graph, DeployTarget target);
// Weight bits for a quantizable node (Conv -> conv_weight_bits, Gemm -> 8).
int weight_bits_for_node(const ir::Node& node, DeployTarget target);

// Axis of the output channels in a node's weight: 0 for Conv [O, I/g, kh, kw] and Gemm with trans_b
// ([N, K]), 1 for Gemm without trans_b ([K, N]).
int weight_channel_axis(const ir::Node& node);

// max |w| over every slice along `axis` (one value per channel). Throws a user error naming `context` for a
// non-finite weight.
std::vector<float> per_channel_absmax(const Tensor& weight, int axis, const std::string& context);

// step_c = absmax_c / qmax_for_bits(bits) per channel (step 1 for all-zero channels).
std::vector<double> per_channel_weight_steps(const Tensor& weight, int axis, int bits,
                                             const std::string& context);

// Makes the steps of each of `groups` consecutive channel groups equal to the group's largest step (ncnn's
// ConvolutionDepthWise stores one weight scale per group). groups must divide steps.size().
std::vector<double> share_steps_within_groups(std::span<const double> steps, int groups);

// The weight as i8 on the per-channel grid: q = clamp(round(w / step_c), -qmax, qmax), same shape. Divides by
// each step rounded to float, as the runtimes do (runtime/ref quantize_weights), so both give the same q.
Tensor quantize_weights(const Tensor& weight, std::span<const double> steps, int axis, int bits);

}  // namespace qd::quant
