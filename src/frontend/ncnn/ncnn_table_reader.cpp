#include "frontend/ncnn/ncnn_table_reader.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_weight_bits.h"
#include "format/ncnn/ncnn_weight_scales.h"
#include "settings/deploy_target.h"

namespace qd::ncnn {
namespace {

constexpr std::string_view kWeightSuffix = "_param_";

struct TableLine {
  int line = 0;
  std::vector<float> values;
};

// Largest |round(w * m)| over a Conv/Gemm weight with per-output-channel multipliers.
int max_abs_quantized(const Tensor& w, const std::vector<float>& per_out) {
  const int64_t out = w.dim(0);
  const int64_t per = w.numel() / out;
  const float* p = w.data<float>();
  int m = 0;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < per; ++i)
      m = std::max(m, std::abs(static_cast<int>(quantize_weight(p[o * per + i], per_out[o]))));
  return m;
}

}  // namespace
}  // namespace qd::ncnn

namespace qd::frontend {

using namespace qd::ncnn;

ir::QuantParams load_ncnn_table(const std::string& path, const ir::Graph& g,
                                std::vector<std::string>* warnings) {
  std::ifstream f(path);
  if (!f) fail(path, "cannot open ncnn table file");
  std::map<std::string, ir::NodeId> node_of;
  for (size_t i = 0; i < g.nodes().size(); ++i) node_of[g.nodes()[i].name] = static_cast<ir::NodeId>(i);

  std::map<std::string, TableLine> weights, activations;
  std::string line;
  int line_no = 0;
  while (std::getline(f, line)) {
    ++line_no;
    std::istringstream is(line);
    std::string key;
    if (!(is >> key) || key[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(line_no);
    std::string layer = key;
    bool is_weight = false;
    if (size_t p = key.rfind(kWeightSuffix); p != std::string::npos) {
      const std::string index = key.substr(p + kWeightSuffix.size());
      if (index != "0")
        fail_unsupported(where, "weight line '" + key + "': only _param_0 (Conv/InnerProduct) is supported");
      layer = key.substr(0, p);
      is_weight = true;
    }
    auto it = node_of.find(layer);
    if (it == node_of.end()) fail(where, "layer '" + layer + "' is not in the model");
    TableLine tl;
    tl.line = line_no;
    std::string tok;
    while (is >> tok) {
      char* end = nullptr;
      const float v = std::strtof(tok.c_str(), &end);
      if (!end || *end != '\0') fail(where, "layer '" + layer + "': scale '" + tok + "' is not a number");
      if (!std::isfinite(v) || v <= 0.f)
        fail(where, "layer '" + layer + "': scale " + tok + " must be a positive finite number");
      tl.values.push_back(v);
    }
    auto& table = is_weight ? weights : activations;
    if (table.count(layer)) fail(where, "layer '" + layer + "' appears twice");
    const ir::Node& n = g.node(it->second);
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm)
      fail(where, "layer '" + layer + "' is a " + std::string(ir::op_name(n.op)) +
                      ", not a Convolution/ConvolutionDepthWise/InnerProduct");
    const size_t expected = is_weight ? static_cast<size_t>(ncnn_weight_scale_count(g, n)) : 1;
    if (tl.values.size() != expected)
      fail(where, "layer '" + layer + "' has " + std::to_string(tl.values.size()) + " " +
                      (is_weight ? "weight" : "activation") + " scales, expected " +
                      std::to_string(expected));
    table[layer] = std::move(tl);
  }
  if (weights.empty() && activations.empty())
    fail(path, "no layer scales in this table (expected '<layer>_param_0 ...' and '<layer> ...' lines)");
  for (const auto& [layer, tl] : weights)
    if (!activations.count(layer))
      fail(path + ":" + std::to_string(tl.line),
           "layer '" + layer + "' has a weight line but no activation line");
  for (const auto& [layer, tl] : activations)
    if (!weights.count(layer))
      fail(path + ":" + std::to_string(tl.line),
           "layer '" + layer + "' has an activation line but no weight line");

  if (warnings)
    for (const ir::Node& n : g.nodes())
      if ((n.op == ir::OpKind::Conv || n.op == ir::OpKind::Gemm) && !weights.count(n.name))
        warnings->push_back(path + ": layer '" + n.name + "' has no scales in the table: it stays fp32");

  ir::QuantParams qp;
  for (const auto& [layer, wl] : weights) {
    const ir::Node& n = g.node(node_of.at(layer));
    const Tensor& w = g.value(n.inputs.at(1)).constant;
    // Multipliers per output channel (a group's scale repeats for each of its channels).
    std::vector<float> per_out;
    const int64_t out = n.op == ir::OpKind::Conv ? w.dim(0) : wl.values.size();
    const int64_t per_scale = out / static_cast<int64_t>(wl.values.size());
    for (int64_t o = 0; o < out; ++o) per_out.push_back(wl.values[o / per_scale]);
    ir::LayerQuant lq;
    lq.input_scale = step_from_multiplier(activations.at(layer).values[0]);
    for (float m : per_out) lq.weight_scales.push_back(step_from_multiplier(m));
    bool rows_are_outputs = n.op == ir::OpKind::Conv || n.attr<ir::GemmAttrs>().trans_b;
    lq.weight_bits = is_winograd_int8_conv(n) && rows_are_outputs
                         ? infer_weight_bits(n, max_abs_quantized(w.to_f32(), per_out))
                         : 8;
    if (n.op == ir::OpKind::Conv) {  // as real ncnn computes the int8 files made from this table
      const Shape& xs = g.value(n.inputs[0]).shape;
      lq.dequant_reciprocal_estimate = is_ncnn_packed_int8_depthwise(conv_window_of(n.attr<ir::ConvAttrs>()),
                                                                     xs.size() > 1 ? xs[1] : -1, w.dim(0));
    }
    qp.layers[layer] = std::move(lq);
  }
  return qp;
}

}  // namespace qd::frontend
