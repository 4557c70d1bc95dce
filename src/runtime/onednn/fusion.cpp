#include "runtime/onednn/fusion.h"

#include <algorithm>

#include "ir/axis.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::onednn {

bool group_activation(ir::OpKind op) { return ir::is_activation(op) || op == ir::OpKind::Gelu; }

ir::FusedActivation standalone_activation(const ir::Node& n) {
  if (n.op == ir::OpKind::Relu || n.op == ir::OpKind::Sigmoid || n.op == ir::OpKind::HardSwish ||
      n.op == ir::OpKind::Swish || n.op == ir::OpKind::Gelu)
    return ref::to_fused(n.op, {});
  return ref::to_fused(n.op, n.attr<ir::ActAttrs>());
}

unsigned eltwise_algorithm_bits(const ir::FusedActivation& act) {
  switch (act.kind) {
    case ir::OpKind::Relu:
    case ir::OpKind::LeakyRelu:
      return 1u << 0;
    case ir::OpKind::Clip:
      return 1u << 1;
    case ir::OpKind::HardSigmoid:  // linear then clip (see append_activation)
      return (1u << 2) | (1u << 1);
    case ir::OpKind::Sigmoid:
      return 1u << 3;
    case ir::OpKind::Swish:
      return 1u << 5;
    case ir::OpKind::Gelu:
      return 1u << 6;
    default:
      return 1u << 4;
  }
}

namespace {

bool all_constant(const ir::Graph& g, const ir::Node& n, size_t from) {
  for (size_t i = from; i < n.inputs.size(); ++i)
    if (n.inputs[i] == ir::kNoValue || !g.value(n.inputs[i]).is_constant()) return false;
  return true;
}

// The single reader of `v`, or -1 (several readers, none, or a graph output).
ir::NodeId only_reader(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& consumers,
                       ir::ValueId v) {
  return consumers[v].size() == 1 && !g.is_graph_output(v) ? consumers[v][0] : -1;
}

// A channel Concat of 4-D values read only by a BatchNormalization whose output only a Relu reads
// (DenseNet's dense layers and transitions) becomes one group: concat_batchnorm_relu.h runs the three in one
// pass.
void absorb_batchnorm_relu(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& consumers,
                           std::vector<bool>& absorbed, FusedGroup& grp) {
  const ir::Node& n = g.node(grp.anchor);
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (ys.size() != 4 || ir::normalize_axis(n.attr<ir::AxisAttrs>().axis, 4) != 1) return;
  for (ir::ValueId in : n.inputs)
    if (in == ir::kNoValue || g.value(in).is_constant()) return;
  const ir::NodeId bn = only_reader(g, consumers, n.outputs[0]);
  if (bn < 0 || absorbed[bn] || g.node(bn).op != ir::OpKind::BatchNormalization ||
      g.node(bn).inputs[0] != n.outputs[0] || !all_constant(g, g.node(bn), 1))
    return;
  const ir::NodeId relu = only_reader(g, consumers, g.node(bn).outputs[0]);
  if (relu < 0 || absorbed[relu] || g.node(relu).op != ir::OpKind::Relu) return;
  grp.batchnorm = bn;
  grp.pre_sum.push_back(standalone_activation(g.node(relu)));
  absorbed[bn] = absorbed[relu] = true;
  grp.members.insert(grp.members.end(), {bn, relu});
  grp.last = relu;
  grp.output = g.node(relu).outputs[0];
}

// A channel Concat of two 4-D values with equal channels read only by a ShuffleChannel of group 2
// (ShuffleNetV2's units) becomes one group: concat_shuffle.h interleaves the halves in one pass.
void absorb_shuffle(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& consumers,
                    std::vector<bool>& absorbed, FusedGroup& grp) {
  const ir::Node& n = g.node(grp.anchor);
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (n.inputs.size() != 2 || ys.size() != 4 || ir::normalize_axis(n.attr<ir::AxisAttrs>().axis, 4) != 1)
    return;
  for (ir::ValueId in : n.inputs)
    if (in == ir::kNoValue || g.value(in).is_constant() || g.value(in).shape[1] * 2 != ys[1]) return;
  const ir::NodeId sh = only_reader(g, consumers, n.outputs[0]);
  if (sh < 0 || absorbed[sh] || g.node(sh).op != ir::OpKind::ShuffleChannel ||
      g.node(sh).attr<ir::ShuffleChannelAttrs>().group != 2)
    return;
  grp.shuffle = sh;
  absorbed[sh] = true;
  grp.members.push_back(sh);
  grp.last = sh;
  grp.output = g.node(sh).outputs[0];
}

}  // namespace

std::vector<FusedGroup> fuse_groups(const ir::Graph& g, const std::vector<bool>& fusable,
                                    const std::vector<bool>& sum_ok, const std::vector<bool>& bn_ok,
                                    const std::vector<bool>& gelu_ok) {
  const auto& nodes = g.nodes();
  std::vector<ir::NodeId> producer(g.num_values(), -1);
  std::vector<std::vector<ir::NodeId>> consumers(g.num_values());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (ir::ValueId o : nodes[i].outputs)
      if (o != ir::kNoValue) producer[o] = static_cast<ir::NodeId>(i);
    for (ir::ValueId in : nodes[i].inputs)
      if (in != ir::kNoValue) consumers[in].push_back(static_cast<ir::NodeId>(i));
  }
  std::vector<bool> absorbed(nodes.size(), false);
  std::vector<FusedGroup> groups;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (absorbed[i]) continue;
    const ir::Node& n = nodes[i];
    FusedGroup grp;
    grp.anchor = grp.last = static_cast<ir::NodeId>(i);
    grp.output = n.outputs.empty() ? ir::kNoValue : n.outputs[0];
    grp.members.push_back(grp.anchor);
    const bool is_conv = n.op == ir::OpKind::Conv, is_gemm = n.op == ir::OpKind::Gemm;
    if ((is_conv || is_gemm) && fusable[i]) {
      if (is_conv && n.attr<ir::ConvAttrs>().activation)
        grp.pre_sum.push_back(*n.attr<ir::ConvAttrs>().activation);
      if (is_gemm && n.attr<ir::GemmAttrs>().activation)
        grp.pre_sum.push_back(*n.attr<ir::GemmAttrs>().activation);
      unsigned used = grp.pre_sum.empty() ? 0u : eltwise_algorithm_bits(grp.pre_sum.front());
      while (true) {
        const ir::ValueId cur = grp.output;
        if (consumers[cur].size() != 1 || g.is_graph_output(cur)) break;
        const ir::NodeId m = consumers[cur][0];
        const ir::Node& mn = nodes[m];
        if (absorbed[m]) break;  // e.g. an Add already taken by its other operand's conv
        const bool no_act_yet = grp.pre_sum.empty() && grp.residual == ir::kNoValue;
        if (is_conv && bn_ok[i] && mn.op == ir::OpKind::BatchNormalization && no_act_yet &&
            grp.batchnorm < 0 && mn.inputs[0] == cur && all_constant(g, mn, 1)) {
          grp.batchnorm = m;
        } else if (group_activation(mn.op) && (mn.op != ir::OpKind::Gelu || gelu_ok[i])) {
          const unsigned bits = eltwise_algorithm_bits(standalone_activation(mn));
          if (used & bits) break;  // runs as its own step
          used |= bits;
          (grp.residual == ir::kNoValue ? grp.pre_sum : grp.post_sum).push_back(standalone_activation(mn));
        } else if (is_conv && mn.op == ir::OpKind::Add && grp.residual == ir::kNoValue && sum_ok[i] &&
                   mn.inputs.size() == 2 && mn.inputs[0] != mn.inputs[1]) {
          const ir::ValueId other = mn.inputs[0] == cur ? mn.inputs[1] : mn.inputs[0];
          if (g.value(other).shape != g.value(cur).shape || g.value(other).is_constant()) break;
          grp.residual = other;
        } else {
          break;
        }
        absorbed[m] = true;
        grp.members.push_back(m);
        grp.last = m;
        grp.output = mn.outputs[0];
      }
    }
    if (n.op == ir::OpKind::BatchNormalization && all_constant(g, n, 1) && !n.inputs.empty() &&
        !g.value(n.inputs[0]).is_constant() && g.value(n.inputs[0]).shape.size() >= 2 &&
        consumers[grp.output].size() == 1 && !g.is_graph_output(grp.output)) {
      // A standalone BatchNormalization (DenseNet's norm1 after a concat) takes a following Relu as oneDNN's
      // fused norm-relu: one pass instead of two, and its output can then be written as u8 for int8 readers.
      const ir::NodeId m = consumers[grp.output][0];
      const ir::Node& mn = nodes[m];
      if (!absorbed[m] && mn.op == ir::OpKind::Relu && mn.inputs[0] == grp.output) {
        grp.pre_sum.push_back(standalone_activation(mn));
        absorbed[m] = true;
        grp.members.push_back(m);
        grp.last = m;
        grp.output = mn.outputs[0];
      }
    }
    if (n.op == ir::OpKind::Concat) absorb_batchnorm_relu(g, consumers, absorbed, grp);
    if (n.op == ir::OpKind::Concat && grp.batchnorm < 0) absorb_shuffle(g, consumers, absorbed, grp);
    groups.push_back(grp);
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const FusedGroup& a, const FusedGroup& b) { return a.last < b.last; });
  return groups;
}

}  // namespace qd::runtime::onednn
