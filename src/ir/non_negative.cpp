#include "ir/non_negative.h"

namespace qd::ir {

namespace {

bool activation_non_negative(const std::optional<FusedActivation>& a) {
  return a && (a->kind == OpKind::Relu || a->kind == OpKind::Sigmoid || a->kind == OpKind::HardSigmoid ||
               (a->kind == OpKind::Clip && a->alpha >= 0.f));
}

bool compute(const Graph& g, ValueId v, std::vector<int8_t>* memo) {
  if (v == kNoValue || g.value(v).is_constant()) return false;
  const NodeId p = g.producer(v);
  if (p < 0) return false;
  const Node& n = g.node(p);
  switch (n.op) {
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::HardSigmoid:
    case OpKind::Softmax:
    case OpKind::Sqrt:
      return true;
    case OpKind::Clip:
      return n.attr<ActAttrs>().alpha >= 0.f;
    case OpKind::Conv:
      return activation_non_negative(n.attr<ConvAttrs>().activation);
    case OpKind::Gemm:
      return activation_non_negative(n.attr<GemmAttrs>().activation);
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool:
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceSum:
    case OpKind::Slice:
    case OpKind::Split:
    case OpKind::ShuffleChannel:
    case OpKind::Flatten:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
    case OpKind::Identity:
    case OpKind::Dropout:
    case OpKind::Transpose:
      return non_negative_by_construction(g, n.inputs[0], memo);
    case OpKind::Pad:
      return non_negative_by_construction(g, n.inputs[0], memo) &&
             (n.attr<PadAttrs>().mode != PadMode::constant || n.attr<PadAttrs>().value >= 0.f);
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Concat:
      for (ValueId in : n.inputs)
        if (!non_negative_by_construction(g, in, memo)) return false;
      return !n.inputs.empty();
    default:
      return false;
  }
}

}  // namespace

bool non_negative_by_construction(const Graph& g, ValueId v, std::vector<int8_t>* memo) {
  if (v == kNoValue) return false;
  if (memo) {
    if (memo->size() != g.num_values()) memo->assign(g.num_values(), -1);
    if ((*memo)[v] >= 0) return (*memo)[v] == 1;
  }
  const bool r = compute(g, v, memo);
  if (memo) (*memo)[v] = r ? 1 : 0;
  return r;
}

}  // namespace qd::ir
