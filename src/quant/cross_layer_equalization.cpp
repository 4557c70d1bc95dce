#include "quant/cross_layer_equalization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"

namespace qd::quant {
namespace {

// True when f(x / s) = f(x) / s for every s > 0: no activation, ReLU, LeakyReLU, Clip(0, +inf).
bool is_positive_homogeneous(ir::OpKind kind, float lo, float hi) {
  if (kind == ir::OpKind::Relu || kind == ir::OpKind::LeakyRelu) return true;
  if (kind == ir::OpKind::Clip) return lo == 0.f && hi >= std::numeric_limits<float>::max();
  return false;
}
bool is_bounded_relu(ir::OpKind kind, float lo, float hi) {
  return kind == ir::OpKind::Clip && lo == 0.f && hi < std::numeric_limits<float>::max();
}

enum class Verdict { ok, bounded, other };

Verdict fused_activation_verdict(const std::optional<ir::FusedActivation>& a) {
  if (!a) return Verdict::ok;
  if (is_positive_homogeneous(a->kind, a->alpha, a->beta)) return Verdict::ok;
  return is_bounded_relu(a->kind, a->alpha, a->beta) ? Verdict::bounded : Verdict::other;
}

// A layer whose weight (and bias) CLE can rescale: Conv, or Gemm reading its input untransposed.
bool is_equalizable_layer(const ir::Graph& g, const ir::Node& n) {
  if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) return false;
  if (n.inputs.size() < 2 || n.inputs[0] == ir::kNoValue || n.inputs[1] == ir::kNoValue) return false;
  if (g.value(n.inputs[0]).is_constant() || !g.value(n.inputs[1]).is_constant()) return false;
  if (g.value(n.inputs[1]).constant.rank() != (n.op == ir::OpKind::Conv ? 4 : 2)) return false;
  if (n.op == ir::OpKind::Gemm && n.attr<ir::GemmAttrs>().trans_a) return false;
  return true;
}

int64_t output_channels(const ir::Node& n, const Tensor& w) {
  if (n.op == ir::OpKind::Conv) return w.dim(0);
  return n.attr<ir::GemmAttrs>().trans_b ? w.dim(0) : w.dim(1);
}
int64_t input_channels(const ir::Node& n, const Tensor& w) {
  if (n.op == ir::OpKind::Conv) return w.dim(1) * n.attr<ir::ConvAttrs>().group;
  return n.attr<ir::GemmAttrs>().trans_b ? w.dim(1) : w.dim(0);
}

// Calls fn(flat index, output channel, input channel) for every element of a Conv / Gemm weight.
template <typename Fn>
void for_each_weight(const ir::Node& n, const Tensor& w, Fn&& fn) {
  if (n.op == ir::OpKind::Conv) {  // [O, I/g, kh, kw]; output o reads input channels (o / Og) * Ig + ci
    const int64_t O = w.dim(0), Ig = w.dim(1), K = w.dim(2) * w.dim(3);
    const int64_t Og = O / n.attr<ir::ConvAttrs>().group;
    for (int64_t o = 0; o < O; ++o)
      for (int64_t ci = 0; ci < Ig; ++ci)
        for (int64_t k = 0; k < K; ++k) fn((o * Ig + ci) * K + k, o, (o / Og) * Ig + ci);
  } else {  // op(B): [N, K] with trans_b, else [K, N]
    const bool trans_b = n.attr<ir::GemmAttrs>().trans_b;
    const int64_t R = w.dim(0), C = w.dim(1);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c) fn(r * C + c, trans_b ? r : c, trans_b ? c : r);
  }
}

// The bias of a layer as one value per output channel, or an empty tensor when it has none. Sets
// `ok` false for a bias CLE cannot scale per channel (non-constant, broadcast).
Tensor per_channel_bias(const ir::Graph& g, const ir::Node& n, int64_t channels, bool& ok) {
  ok = true;
  if (n.inputs.size() < 3 || n.inputs[2] == ir::kNoValue) return {};
  const ir::Value& b = g.value(n.inputs[2]);
  if (!b.is_constant() || b.constant.numel() != channels) {
    ok = false;
    return {};
  }
  return b.constant.to_f32().clone();
}

// Follows value `v` through per-channel, positively homogeneous single-consumer ops to the next layer.
// Returns that layer, or -1; `bounded` is set when a bounded activation stopped the walk.
ir::NodeId next_layer(const ir::Graph& g, ir::ValueId v, bool& bounded) {
  for (;;) {
    if (g.is_graph_output(v)) return -1;
    const std::vector<ir::NodeId> users = g.consumers(v);
    if (users.size() != 1) return -1;
    const ir::Node& u = g.node(users[0]);
    if (u.inputs.empty() || u.inputs[0] != v || u.outputs.size() != 1) return -1;
    switch (u.op) {
      case ir::OpKind::Conv:
      case ir::OpKind::Gemm:
        return is_equalizable_layer(g, u) ? users[0] : -1;
      case ir::OpKind::Relu:
      case ir::OpKind::LeakyRelu:
      case ir::OpKind::Clip: {
        const auto* a = std::get_if<ir::ActAttrs>(&u.attrs);
        const float lo = a ? a->alpha : 0.f, hi = a ? a->beta : 0.f;
        if (u.op == ir::OpKind::Clip && (!a || u.inputs.size() > 1)) return -1;  // bounds not in attrs
        if (!is_positive_homogeneous(u.op, lo, hi)) {
          bounded = is_bounded_relu(u.op, lo, hi);
          return -1;
        }
        break;
      }
      case ir::OpKind::MaxPool:
      case ir::OpKind::AveragePool:
      case ir::OpKind::GlobalAveragePool:
      case ir::OpKind::GlobalMaxPool:
        break;
      case ir::OpKind::Flatten: {  // [N, C, 1, 1] -> [N, C] keeps the channel index
        const Shape& s = g.value(v).shape;
        if (u.attr<ir::AxisAttrs>().axis != 1 || s.size() < 2) return -1;
        for (size_t d = 2; d < s.size(); ++d)
          if (s[d] != 1) return -1;
        break;
      }
      default:
        return -1;
    }
    v = u.outputs[0];
  }
}

}  // namespace

std::vector<float> output_channel_ranges(const ir::Node& node, const Tensor& weight) {
  const Tensor w = weight.to_f32();
  std::vector<float> r(static_cast<size_t>(output_channels(node, w)), 0.f);
  const float* p = w.data<float>();
  for_each_weight(node, w, [&](int64_t i, int64_t o, int64_t) { r[o] = std::max(r[o], std::fabs(p[i])); });
  return r;
}

std::vector<float> input_channel_ranges(const ir::Node& node, const Tensor& weight) {
  const Tensor w = weight.to_f32();
  std::vector<float> r(static_cast<size_t>(input_channels(node, w)), 0.f);
  const float* p = w.data<float>();
  for_each_weight(node, w, [&](int64_t i, int64_t, int64_t c) { r[c] = std::max(r[c], std::fabs(p[i])); });
  return r;
}

EqualizationPairs find_equalization_pairs(const ir::Graph& g) {
  EqualizationPairs out;
  for (ir::NodeId id = 0; id < static_cast<ir::NodeId>(g.nodes().size()); ++id) {
    const ir::Node& a = g.node(id);
    if (!is_equalizable_layer(g, a) || a.outputs.size() != 1) continue;
    const Verdict act = fused_activation_verdict(
        a.op == ir::OpKind::Conv ? a.attr<ir::ConvAttrs>().activation : a.attr<ir::GemmAttrs>().activation);
    bool bounded = act == Verdict::bounded;
    const ir::NodeId b = act == Verdict::ok ? next_layer(g, a.outputs[0], bounded) : -1;
    if (b < 0) {
      if (bounded && act != Verdict::other) ++out.skipped_bounded;
      continue;
    }
    const Tensor& w1 = g.value(a.inputs[1]).constant;
    const Tensor& w2 = g.value(g.node(b).inputs[1]).constant;
    if (output_channels(a, w1) != input_channels(g.node(b), w2)) continue;
    bool bias_ok = true;
    (void)per_channel_bias(g, a, output_channels(a, w1), bias_ok);
    if (!bias_ok) continue;
    out.pairs.push_back({id, b});
  }
  return out;
}

EqualizationResult equalize_cross_layer(ir::Graph& g, int max_sweeps, float tolerance) {
  const EqualizationPairs found = find_equalization_pairs(g);
  EqualizationResult result;
  result.pairs = static_cast<int>(found.pairs.size());
  result.skipped_bounded = found.skipped_bounded;
  if (found.pairs.empty()) return result;

  // Working copies: every sweep rescales them; the graph gets new constants once at the end.
  std::map<ir::NodeId, Tensor> weights, biases;
  auto weight_of = [&](ir::NodeId n) -> Tensor& {
    auto it = weights.find(n);
    if (it == weights.end())
      it = weights.emplace(n, g.value(g.node(n).inputs[1]).constant.to_f32().clone()).first;
    return it->second;
  };
  for (const EqualizationPair& p : found.pairs) {
    bool ok = true;
    Tensor b = per_channel_bias(g, g.node(p.first), output_channels(g.node(p.first), weight_of(p.first)), ok);
    QD_CHECK(ok, "CLE: pair with an unscalable bias");
    if (!b.empty()) biases.emplace(p.first, b);
  }

  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    double max_log = 0;
    for (const EqualizationPair& p : found.pairs) {
      const ir::Node &a = g.node(p.first), &b = g.node(p.second);
      Tensor &w1 = weight_of(p.first), &w2 = weight_of(p.second);
      const std::vector<float> r1 = output_channel_ranges(a, w1), r2 = input_channel_ranges(b, w2);
      std::vector<float> s(r1.size(), 1.f);
      for (size_t i = 0; i < s.size(); ++i)  // s = sqrt(r1 r2) / r2 = sqrt(r1 / r2); dead channels keep 1
        if (r1[i] > 0.f && r2[i] > 0.f && std::isfinite(r1[i] / r2[i])) s[i] = std::sqrt(r1[i] / r2[i]);
      for (float v : s) max_log = std::max(max_log, std::fabs(std::log(static_cast<double>(v))));
      float* p1 = w1.data<float>();
      float* p2 = w2.data<float>();
      for_each_weight(a, w1, [&](int64_t i, int64_t o, int64_t) { p1[i] /= s[o]; });
      for_each_weight(b, w2, [&](int64_t i, int64_t, int64_t c) { p2[i] *= s[c]; });
      if (auto it = biases.find(p.first); it != biases.end()) {
        float* pb = it->second.data<float>();
        for (size_t i = 0; i < s.size(); ++i) pb[i] /= s[i];
      }
    }
    result.sweeps = sweep + 1;
    if (max_log < tolerance) break;
  }

  for (auto& [id, w] : weights) {
    ir::Node& n = g.node(id);
    n.inputs[1] = g.add_constant(g.unique_value_name(n.name + "_cle_weight"), w);
  }
  for (auto& [id, b] : biases) {
    ir::Node& n = g.node(id);
    const Shape shape = g.value(n.inputs[2]).constant.shape();
    n.inputs[2] = g.add_constant(g.unique_value_name(n.name + "_cle_bias"), b.reshaped(shape));
  }
  return result;
}

}  // namespace qd::quant
