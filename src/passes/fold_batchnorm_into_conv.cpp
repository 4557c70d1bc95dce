#include "passes/fold_batchnorm_into_conv.h"

#include <cmath>

namespace qd::passes {

namespace {

// The f32 constant behind value v with `n` elements, or nullptr.
const Tensor* const_f32(const ir::Graph& g, ir::ValueId v, int64_t n) {
  if (v == ir::kNoValue) return nullptr;
  const ir::Value& val = g.value(v);
  if (!val.is_constant() || val.constant.dtype() != DataType::f32 || val.constant.numel() != n)
    return nullptr;
  return &val.constant;
}

// Stores `t` as the new content of constant input `slot` of node `conv`: in place when only this node
// reads the old constant, otherwise as a fresh constant.
void set_constant_input(ir::Graph& g, ir::NodeId conv, size_t slot, Tensor t, const std::string& base) {
  ir::Node& n = g.node(conv);
  if (slot < n.inputs.size() && n.inputs[slot] != ir::kNoValue && g.consumers(n.inputs[slot]).size() == 1 &&
      !g.is_graph_output(n.inputs[slot])) {
    ir::Value& v = g.value(n.inputs[slot]);
    v.shape = t.shape();
    v.constant = std::move(t);
    return;
  }
  ir::ValueId id = g.add_constant(g.unique_value_name(base), std::move(t));
  ir::Node& again = g.node(conv);
  if (again.inputs.size() <= slot) again.inputs.resize(slot + 1, ir::kNoValue);
  again.inputs[slot] = id;
}

}  // namespace

bool FoldBatchNormIntoConv::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& bn = g.node(static_cast<ir::NodeId>(i));
    if (bn.op != ir::OpKind::BatchNormalization || bn.inputs.size() < 5) continue;
    ir::ValueId y = bn.inputs[0];
    ir::NodeId c = g.producer(y);
    if (c < 0 || g.node(c).op != ir::OpKind::Conv) continue;
    if (g.consumers(y).size() != 1 || g.is_graph_output(y)) continue;
    bool extra_used = false;
    for (size_t k = 1; k < bn.outputs.size(); ++k)
      extra_used = extra_used || !g.consumers(bn.outputs[k]).empty() || g.is_graph_output(bn.outputs[k]);
    if (extra_used) continue;
    const ir::Node& conv = g.node(c);
    if (conv.attr<ir::ConvAttrs>().activation) continue;
    const ir::Value& wv = g.value(conv.inputs.at(1));
    if (!wv.is_constant() || wv.constant.dtype() != DataType::f32 || wv.constant.rank() != 4) continue;
    int64_t oc = wv.constant.dim(0);
    const Tensor* gamma = const_f32(g, bn.inputs[1], oc);
    const Tensor* beta = const_f32(g, bn.inputs[2], oc);
    const Tensor* mean = const_f32(g, bn.inputs[3], oc);
    const Tensor* var = const_f32(g, bn.inputs[4], oc);
    if (!gamma || !beta || !mean || !var) continue;
    ir::ValueId bias_id = conv.inputs.size() > 2 ? conv.inputs[2] : ir::kNoValue;
    const Tensor* bias = const_f32(g, bias_id, oc);
    if (bias_id != ir::kNoValue && !bias) continue;

    float eps = bn.attr<ir::BatchNormAttrs>().epsilon;
    Tensor w = wv.constant.clone();
    Tensor b(DataType::f32, {oc});
    int64_t per_oc = w.numel() / oc;
    float* pw = w.data<float>();
    for (int64_t o = 0; o < oc; ++o) {
      double s = gamma->data<float>()[o] / std::sqrt(static_cast<double>(var->data<float>()[o]) + eps);
      for (int64_t k = 0; k < per_oc; ++k) pw[o * per_oc + k] = static_cast<float>(pw[o * per_oc + k] * s);
      double b0 = bias ? bias->data<float>()[o] : 0.0;
      b.data<float>()[o] = static_cast<float>((b0 - mean->data<float>()[o]) * s + beta->data<float>()[o]);
    }
    ir::ValueId bn_out = bn.outputs[0];
    std::string conv_name = conv.name, w_name = wv.name;
    set_constant_input(g, c, 1, std::move(w), w_name + "_bn");
    set_constant_input(g, c, 2, std::move(b), conv_name + "_bias");
    // The Conv now writes the BatchNormalization's output value (keeps the later name).
    g.node(c).outputs[0] = bn_out;
    dead.push_back(static_cast<ir::NodeId>(i));
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
