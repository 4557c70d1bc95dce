#include "ir/op_kind.h"

#include <array>
#include <utility>

namespace qd::ir {

namespace {
constexpr std::array<std::pair<OpKind, std::string_view>, 40> kOpNames{{
    {OpKind::Conv, "Conv"},
    {OpKind::BatchNormalization, "BatchNormalization"},
    {OpKind::Relu, "Relu"},
    {OpKind::Clip, "Clip"},
    {OpKind::LeakyRelu, "LeakyRelu"},
    {OpKind::Sigmoid, "Sigmoid"},
    {OpKind::HardSigmoid, "HardSigmoid"},
    {OpKind::HardSwish, "HardSwish"},
    {OpKind::Swish, "Swish"},
    {OpKind::Add, "Add"},
    {OpKind::Sub, "Sub"},
    {OpKind::Mul, "Mul"},
    {OpKind::Div, "Div"},
    {OpKind::MaxPool, "MaxPool"},
    {OpKind::AveragePool, "AveragePool"},
    {OpKind::GlobalAveragePool, "GlobalAveragePool"},
    {OpKind::GlobalMaxPool, "GlobalMaxPool"},
    {OpKind::ReduceMean, "ReduceMean"},
    {OpKind::Flatten, "Flatten"},
    {OpKind::Reshape, "Reshape"},
    {OpKind::Squeeze, "Squeeze"},
    {OpKind::Unsqueeze, "Unsqueeze"},
    {OpKind::Gemm, "Gemm"},
    {OpKind::MatMul, "MatMul"},
    {OpKind::Softmax, "Softmax"},
    {OpKind::Concat, "Concat"},
    {OpKind::Identity, "Identity"},
    {OpKind::Dropout, "Dropout"},
    {OpKind::Pad, "Pad"},
    {OpKind::Transpose, "Transpose"},
    {OpKind::Erf, "Erf"},
    {OpKind::Sqrt, "Sqrt"},
    {OpKind::Pow, "Pow"},
    {OpKind::Gelu, "Gelu"},
    {OpKind::LayerNorm, "LayerNorm"},
    {OpKind::ReduceMax, "ReduceMax"},
    {OpKind::ReduceSum, "ReduceSum"},
    {OpKind::Slice, "Slice"},
    {OpKind::Split, "Split"},
    {OpKind::ShuffleChannel, "ShuffleChannel"},
}};
}  // namespace

std::string_view op_name(OpKind op) {
  for (auto& [k, n] : kOpNames)
    if (k == op) return n;
  return "?";
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (auto& [k, n] : kOpNames)
    if (n == name) return k;
  return std::nullopt;
}

bool is_activation(OpKind op) {
  switch (op) {
    case OpKind::Relu:
    case OpKind::Clip:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::HardSigmoid:
    case OpKind::Swish:
    case OpKind::HardSwish:
      return true;
    default:
      return false;
  }
}

bool is_reduce(OpKind op) {
  return op == OpKind::ReduceMean || op == OpKind::ReduceMax || op == OpKind::ReduceSum;
}

bool is_binary(OpKind op) {
  return op == OpKind::Add || op == OpKind::Sub || op == OpKind::Mul || op == OpKind::Div;
}

}  // namespace qd::ir
