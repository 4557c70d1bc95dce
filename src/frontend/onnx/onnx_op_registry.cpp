#include <array>
#include <utility>

#include "frontend/onnx/onnx_translators.h"

namespace qd::frontend {

namespace {

constexpr std::array<std::pair<std::string_view, TranslateFn>, 43> kTranslators{{
    {"Conv", translate_conv},
    {"BatchNormalization", translate_batch_normalization},
    {"MaxPool", translate_max_pool},
    {"AveragePool", translate_average_pool},
    {"GlobalAveragePool", translate_global_average_pool},
    {"GlobalMaxPool", translate_global_max_pool},
    {"Relu", translate_relu},
    {"Clip", translate_clip},
    {"LeakyRelu", translate_leaky_relu},
    {"Sigmoid", translate_sigmoid},
    {"HardSigmoid", translate_hard_sigmoid},
    {"HardSwish", translate_hard_swish},
    {"Add", translate_add},
    {"Sub", translate_sub},
    {"Mul", translate_mul},
    {"Div", translate_div},
    {"Gemm", translate_gemm},
    {"MatMul", translate_mat_mul},
    {"Softmax", translate_softmax},
    {"Identity", translate_identity},
    {"Dropout", translate_dropout},
    {"ReduceMean", translate_reduce_mean},
    {"ReduceMax", translate_reduce_max},
    {"ReduceSum", translate_reduce_sum},
    {"Flatten", translate_flatten},
    {"Reshape", translate_reshape},
    {"Squeeze", translate_squeeze},
    {"Unsqueeze", translate_unsqueeze},
    {"Concat", translate_concat},
    {"Pad", translate_pad},
    {"Transpose", translate_transpose},
    {"Constant", translate_constant},
    {"Shape", translate_shape},
    {"Gather", translate_gather},
    {"Cast", translate_cast},
    {"ConstantOfShape", translate_constant_of_shape},
    {"Slice", translate_slice},
    {"Split", translate_split},
    {"Range", translate_range},
    {"Pow", translate_pow},
    {"Erf", translate_erf},
    {"Sqrt", translate_sqrt},
    {"LayerNormalization", translate_layer_normalization},
}};

}  // namespace

TranslateFn find_translator(std::string_view op_type) {
  for (const auto& [name, fn] : kTranslators)
    if (name == op_type) return fn;
  return nullptr;
}

std::vector<std::string_view> supported_onnx_ops() {
  std::vector<std::string_view> r;
  for (const auto& [name, fn] : kTranslators) r.push_back(name);
  return r;
}

}  // namespace qd::frontend
