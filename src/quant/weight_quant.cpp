#include "quant/weight_quant.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "quant/rounding.h"

namespace qd::quant {
namespace {

// Splits a shape around `axis`: outer * channels * inner elements.
struct ChannelLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

ChannelLayout layout_of(const Tensor& t, int axis) {
  QD_CHECK(axis >= 0 && axis < t.rank(), "weight channel axis out of range");
  ChannelLayout l;
  for (int d = 0; d < t.rank(); ++d) {
    if (d < axis) l.outer *= t.dim(d);
    if (d == axis) l.channels = t.dim(d);
    if (d > axis) l.inner *= t.dim(d);
  }
  return l;
}

}  // namespace

int conv_weight_bits(const ir::ConvAttrs& c, DeployTarget target) {
  return target_profile(target).conv_weight_bits(conv_window_of(c));
}

bool target_computes_int8(const ir::Node& node, const ir::Graph& graph, DeployTarget target) {
  if (!target_profile(target).grouped_conv_int8_needs_requant || node.op != ir::OpKind::Conv) return true;
  const int64_t group = node.attr<ir::ConvAttrs>().group;
  const Shape& w = graph.value(node.inputs.at(1)).shape;  // [O, I/group, kh, kw]
  if (group <= 1 || w.size() != 4 || (w[1] == 1 && w[0] == group) || (w[0] / group) % 8 != 0) return true;
  // Requantized (int8 output, right in ncnn) when every reader is an int8 conv reading it as its input.
  const auto& act = node.attr<ir::ConvAttrs>().activation;
  if (act && (act->kind == ir::OpKind::HardSigmoid || act->kind == ir::OpKind::Swish))
    return false;  // written as its own layer after the conv
  const ir::ValueId out = node.outputs.at(0);
  const auto readers = graph.consumers(out);
  if (graph.is_graph_output(out) || readers.empty()) return false;
  for (ir::NodeId r : readers) {
    const ir::Node& c = graph.node(r);
    if (c.op != ir::OpKind::Conv || c.inputs.at(0) != out || !target_computes_int8(c, graph, target))
      return false;
  }
  return true;
}

int weight_bits_for_node(const ir::Node& node, DeployTarget target) {
  if (node.op == ir::OpKind::Conv) return conv_weight_bits(node.attr<ir::ConvAttrs>(), target);
  return 8;
}

int weight_channel_axis(const ir::Node& node) {
  if (node.op == ir::OpKind::Gemm) return node.attr<ir::GemmAttrs>().trans_b ? 0 : 1;
  return 0;
}

std::vector<float> per_channel_absmax(const Tensor& weight, int axis, const std::string& context) {
  const Tensor w = weight.to_f32();
  const ChannelLayout l = layout_of(w, axis);
  const float* src = w.data<float>();
  std::vector<float> absmax(l.channels, 0.f);
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t c = 0; c < l.channels; ++c) {
      const float* p = src + (o * l.channels + c) * l.inner;
      for (int64_t i = 0; i < l.inner; ++i) {
        if (!std::isfinite(p[i]))
          fail(context, "weight has a non-finite value in channel " + std::to_string(c));
        absmax[c] = std::max(absmax[c], std::fabs(p[i]));
      }
    }
  return absmax;
}

std::vector<double> per_channel_weight_steps(const Tensor& weight, int axis, int bits,
                                             const std::string& context) {
  const std::vector<float> absmax = per_channel_absmax(weight, axis, context);
  const int qmax = qmax_for_bits(bits);
  std::vector<double> steps;
  for (float a : absmax) steps.push_back(step_from_threshold(a, qmax));
  return steps;
}

std::vector<double> share_steps_within_groups(std::span<const double> steps, int groups) {
  QD_CHECK(groups > 0 && steps.size() % groups == 0, "channels must split evenly into groups");
  const size_t per_group = steps.size() / groups;
  std::vector<double> shared(steps.begin(), steps.end());
  for (size_t g = 0; g < static_cast<size_t>(groups); ++g) {
    auto first = shared.begin() + g * per_group, last = first + per_group;
    std::fill(first, last, *std::max_element(first, last));
  }
  return shared;
}

Tensor quantize_weights(const Tensor& weight, std::span<const double> steps, int axis, int bits) {
  const Tensor w = weight.to_f32();
  const ChannelLayout l = layout_of(w, axis);
  QD_CHECK(static_cast<int64_t>(steps.size()) == l.channels, "one weight step per channel expected");
  const int qmax = qmax_for_bits(bits);
  Tensor q(DataType::i8, w.shape());
  const float* src = w.data<float>();
  int8_t* dst = q.data<int8_t>();
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t c = 0; c < l.channels; ++c) {
      const int64_t base = (o * l.channels + c) * l.inner;
      const float step = static_cast<float>(steps[c]);
      for (int64_t i = 0; i < l.inner; ++i)
        dst[base + i] = static_cast<int8_t>(round_clamp_symmetric(src[base + i] / step, qmax));
    }
  return q;
}

}  // namespace qd::quant
