#include "passes/fold_scale_into_conv.h"

#include "passes/pattern_match.h"

namespace qd::passes {

namespace {

// The per-channel factors of constant `v` for `oc` output channels, or empty when its shape does not
// broadcast along NCHW's channel axis only.
std::vector<float> channel_factors(const ir::Graph& g, ir::ValueId v, int64_t oc) {
  if (v == ir::kNoValue || !g.value(v).is_constant() || g.value(v).constant.dtype() != DataType::f32)
    return {};
  const Tensor& t = g.value(v).constant;
  if (t.numel() == 1) return std::vector<float>(oc, t.data<float>()[0]);
  Shape s = t.shape();
  while (s.size() > 3 && s.front() == 1) s.erase(s.begin());
  if (s != Shape{oc, 1, 1}) return {};
  return {t.data<float>(), t.data<float>() + oc};
}

}  // namespace

bool FoldScaleIntoConv::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& mul = g.node(static_cast<ir::NodeId>(i));
    if (mul.op != ir::OpKind::Mul || mul.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const ir::ValueId y = mul.inputs[side];
      const ir::NodeId c = producer_of(g, y, ir::OpKind::Conv);
      if (c < 0 || sole_consumer(g, y) != static_cast<ir::NodeId>(i)) continue;
      const ir::Node& conv = g.node(c);
      if (conv.attr<ir::ConvAttrs>().activation || conv.outputs.size() != 1) continue;
      const ir::Value& wv = g.value(conv.inputs.at(1));
      if (!wv.is_constant() || wv.constant.dtype() != DataType::f32 || wv.constant.rank() != 4) continue;
      const int64_t oc = wv.constant.dim(0);
      const std::vector<float> f = channel_factors(g, mul.inputs[1 - side], oc);
      if (f.empty()) continue;
      const bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] != ir::kNoValue;
      if (has_bias &&
          (!g.value(conv.inputs[2]).is_constant() || g.value(conv.inputs[2]).constant.numel() != oc))
        continue;
      Tensor w = wv.constant.clone();
      const int64_t per = w.numel() / oc;
      for (int64_t o = 0; o < oc; ++o)
        for (int64_t k = 0; k < per; ++k) w.data<float>()[o * per + k] *= f[o];
      const std::string base = conv.name;
      const ir::ValueId out = mul.outputs.at(0);
      ir::ValueId new_w = g.add_constant(g.unique_value_name(wv.name + "_scaled"), std::move(w));
      ir::ValueId new_b = ir::kNoValue;
      if (has_bias) {
        Tensor b = g.value(g.node(c).inputs[2]).constant.to_f32().clone().reshaped({oc});
        for (int64_t o = 0; o < oc; ++o) b.data<float>()[o] *= f[o];
        new_b = g.add_constant(g.unique_value_name(base + "_bias_scaled"), std::move(b));
      }
      ir::Node& cn = g.node(c);
      cn.inputs[1] = new_w;
      if (has_bias) cn.inputs[2] = new_b;
      cn.outputs[0] = out;
      dead.push_back(static_cast<ir::NodeId>(i));
      break;
    }
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
