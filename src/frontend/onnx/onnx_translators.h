// The ONNX op registry: one translate_<op>() per supported ONNX op type (default domain), listed in
// one table in onnx_op_registry.cpp. A translator reads the node through NodeContext and emits IR
// nodes or constants; it throws NodeUnsupported (ctx.unsupported) for features it cannot express.
#pragma once
#include <string_view>
#include <vector>

#include "frontend/onnx/onnx_node_context.h"

namespace qd::frontend {

using TranslateFn = void (*)(NodeContext&);

// The translator for `op_type`, or nullptr when the op is not supported.
TranslateFn find_translator(std::string_view op_type);
// All supported op types, in table order.
std::vector<std::string_view> supported_onnx_ops();

// Network ops (translate_conv_pool.cpp)
void translate_conv(NodeContext& ctx);
void translate_batch_normalization(NodeContext& ctx);
void translate_max_pool(NodeContext& ctx);
void translate_average_pool(NodeContext& ctx);
void translate_global_average_pool(NodeContext& ctx);
void translate_global_max_pool(NodeContext& ctx);
// Elementwise and dense ops (translate_elementwise.cpp)
void translate_relu(NodeContext& ctx);
void translate_clip(NodeContext& ctx);
void translate_leaky_relu(NodeContext& ctx);
void translate_sigmoid(NodeContext& ctx);
void translate_hard_sigmoid(NodeContext& ctx);
void translate_hard_swish(NodeContext& ctx);
void translate_add(NodeContext& ctx);
void translate_sub(NodeContext& ctx);
void translate_mul(NodeContext& ctx);
void translate_div(NodeContext& ctx);
void translate_pow(NodeContext& ctx);
void translate_erf(NodeContext& ctx);
void translate_sqrt(NodeContext& ctx);
void translate_layer_normalization(NodeContext& ctx);
void translate_gemm(NodeContext& ctx);
void translate_mat_mul(NodeContext& ctx);
void translate_softmax(NodeContext& ctx);
void translate_identity(NodeContext& ctx);
void translate_dropout(NodeContext& ctx);
// Layout ops (translate_layout.cpp)
void translate_reduce_mean(NodeContext& ctx);
void translate_reduce_max(NodeContext& ctx);
void translate_reduce_sum(NodeContext& ctx);
void translate_flatten(NodeContext& ctx);
void translate_reshape(NodeContext& ctx);
void translate_squeeze(NodeContext& ctx);
void translate_unsqueeze(NodeContext& ctx);
void translate_concat(NodeContext& ctx);
void translate_pad(NodeContext& ctx);
void translate_transpose(NodeContext& ctx);
// Slice and Split (translate_slice_split.cpp): folded for constant data, IR ops otherwise
void translate_slice(NodeContext& ctx);
void translate_split(NodeContext& ctx);
// Constants and shape helpers that must fold at import time (translate_constant_ops.cpp)
void translate_constant(NodeContext& ctx);
void translate_shape(NodeContext& ctx);
void translate_gather(NodeContext& ctx);
void translate_cast(NodeContext& ctx);
void translate_constant_of_shape(NodeContext& ctx);
void translate_range(NodeContext& ctx);

}  // namespace qd::frontend
