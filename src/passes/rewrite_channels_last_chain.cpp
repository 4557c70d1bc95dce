#include "passes/rewrite_channels_last_chain.h"

#include "passes/pattern_match.h"

namespace qd::passes {

namespace {

const std::vector<int64_t> kToChannelsLast{0, 2, 3, 1};
const std::vector<int64_t> kToChannelsFirst{0, 3, 1, 2};

bool is_transpose(const ir::Node& n, const std::vector<int64_t>& perm) {
  return n.op == ir::OpKind::Transpose && n.attr<ir::AxesAttrs>().axes == perm;
}

bool elementwise_unary(ir::OpKind op) {
  return ir::is_activation(op) || op == ir::OpKind::Gelu || op == ir::OpKind::Erf || op == ir::OpKind::Sqrt;
}

// A constant that broadcasts along the last axis of a channels-last 4-D tensor: a scalar, or `c`
// values whose shape without leading 1s is [c].
bool per_channel_constant(const ir::Graph& g, ir::ValueId v, int64_t c) {
  if (v == ir::kNoValue || !g.value(v).is_constant() || g.value(v).constant.dtype() != DataType::f32)
    return false;
  const Tensor& t = g.value(v).constant;
  if (t.numel() == 1) return true;
  Shape s = t.shape();
  while (!s.empty() && s.front() == 1) s.erase(s.begin());
  return s == Shape{c};
}

// One node of the chain: can it run on NCHW (given the channel count of its channels-last input)?
bool convertible(const ir::Graph& g, const ir::Node& n, ir::ValueId x, int64_t c) {
  if (n.outputs.size() != 1) return false;
  if (elementwise_unary(n.op)) return n.inputs.size() == 1 && n.inputs[0] == x;
  if (n.op == ir::OpKind::LayerNorm) {
    const auto& a = n.attr<ir::LayerNormAttrs>();
    // The last axis, as 3 (ONNX import) or -1 (the ncnn reader: ncnn's LayerNorm is over the innermost axis).
    return n.inputs.at(0) == x && (a.axis == 3 || a.axis == -1) && a.num_axes == 1;
  }
  if (n.op == ir::OpKind::MatMul) {
    if (n.inputs.size() != 2 || n.inputs[0] != x || n.inputs[1] == x) return false;
    const ir::Value& w = g.value(n.inputs[1]);
    return w.is_constant() && w.constant.dtype() == DataType::f32 && w.constant.rank() == 2 &&
           w.constant.dim(0) == c;
  }
  if (n.op == ir::OpKind::Add || n.op == ir::OpKind::Mul)
    return per_channel_constant(g, other_input(n, x), c);
  return false;
}

// The channel count after node n (n convertible).
int64_t channels_after(const ir::Graph& g, const ir::Node& n, int64_t c) {
  return n.op == ir::OpKind::MatMul ? g.value(n.inputs[1]).constant.dim(1) : c;
}

// [c] or scalar constant -> [c,1,1] (scalar kept) so it broadcasts over NCHW channels.
ir::ValueId to_channel_constant(ir::Graph& g, ir::ValueId v, const std::string& name) {
  const Tensor& t = g.value(v).constant;
  if (t.numel() == 1) return v;
  return g.add_constant(g.unique_value_name(name), t.clone().reshaped({t.numel(), 1, 1}));
}

}  // namespace

bool RewriteChannelsLastChain::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  std::vector<ir::Node> added;
  std::vector<bool> used(g.nodes().size(), false);
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::NodeId first = static_cast<ir::NodeId>(i);
    const ir::Node& t1 = g.node(first);
    if (used[first] || !is_transpose(t1, kToChannelsLast)) continue;
    const Shape& xs = g.value(t1.inputs.at(0)).shape;
    if (xs.size() != 4 || xs[1] <= 0) continue;
    // Walk the single-reader chain to the closing Transpose.
    std::vector<ir::NodeId> chain;
    ir::ValueId v = t1.outputs.at(0);
    int64_t c = xs[1];
    ir::NodeId last = -1;
    for (;;) {
      const ir::NodeId k = sole_consumer(g, v);
      if (k < 0 || used[k]) break;
      const ir::Node& n = g.node(k);
      if (is_transpose(n, kToChannelsFirst)) {
        last = k;
        break;
      }
      if (!convertible(g, n, v, c)) break;
      chain.push_back(k);
      c = channels_after(g, n, c);
      v = n.outputs[0];
    }
    if (last < 0) continue;
    // Build the NCHW nodes.
    std::vector<ir::Node> built;
    ir::ValueId cur = t1.inputs[0];
    for (size_t j = 0; j < chain.size(); ++j) {
      const ir::Node& n = g.node(chain[j]);
      const ir::ValueId old_in = j == 0 ? t1.outputs[0] : g.node(chain[j - 1]).outputs[0];
      const ir::ValueId in = cur;
      const bool is_last = j + 1 == chain.size();
      const ir::ValueId out = is_last
                                  ? g.node(last).outputs[0]
                                  : g.add_value(g.unique_value_name(g.value(n.outputs[0]).name + "_nchw"));
      ir::Node m;
      m.name = n.name;
      m.op = n.op;
      m.attrs = n.attrs;
      m.outputs = {out};
      if (elementwise_unary(n.op)) {
        m.inputs = {in};
      } else if (n.op == ir::OpKind::LayerNorm) {
        m.inputs = n.inputs;
        m.inputs[0] = in;
        m.attr<ir::LayerNormAttrs>().axis = 1;
      } else if (n.op == ir::OpKind::MatMul) {
        const Tensor& w = g.value(n.inputs[1]).constant;  // [cin, cout]
        const int64_t cin = w.dim(0), cout = w.dim(1);
        Tensor wt(DataType::f32, {cout, cin, 1, 1});
        for (int64_t a = 0; a < cin; ++a)
          for (int64_t b = 0; b < cout; ++b) wt.data<float>()[b * cin + a] = w.data<float>()[a * cout + b];
        m.op = ir::OpKind::Conv;
        m.attrs = ir::ConvAttrs{};
        m.inputs = {
            in, g.add_constant(g.unique_value_name(g.value(n.inputs[1]).name + "_conv1x1"), std::move(wt))};
      } else {  // Add / Mul by a per-channel constant
        const ir::ValueId constant = other_input(n, old_in);
        // A bias right after a bias-free 1x1 Conv becomes the Conv's bias.
        if (n.op == ir::OpKind::Add && !built.empty() && built.back().op == ir::OpKind::Conv &&
            built.back().inputs.size() == 2 && g.value(constant).constant.numel() > 1) {
          Tensor b = g.value(constant).constant.clone();
          const int64_t cc = b.numel();
          built.back().inputs.push_back(
              g.add_constant(g.unique_value_name(g.value(constant).name + "_bias"), b.reshaped({cc})));
          built.back().outputs = {out};
          cur = out;
          continue;
        }
        m.inputs = {in, to_channel_constant(g, constant, g.value(constant).name + "_nchw")};
      }
      cur = out;
      built.push_back(std::move(m));
    }
    for (ir::NodeId k : chain) used[k] = true;
    used[first] = used[last] = true;
    dead.push_back(first);
    dead.insert(dead.end(), chain.begin(), chain.end());
    dead.push_back(last);
    if (built.empty()) {  // the two transposes cancel
      g.replace_uses(g.node(last).outputs[0], t1.inputs[0]);
    }
    for (ir::Node& n : built) added.push_back(std::move(n));
  }
  g.erase_nodes(dead);
  for (ir::Node& n : added) g.add_node(std::move(n));
  return !dead.empty();
}

}  // namespace qd::passes
