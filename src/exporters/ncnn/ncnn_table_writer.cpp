#include "exporters/ncnn/ncnn_table_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_weight_scales.h"

namespace qd::ncnn {
namespace {

// ncnn2table prints "%f " (6 decimals). Keep exactly that text whenever it reads back (sscanf "%f" in
// ncnn2int8, strtof here) as the same fp32 multiplier, which holds for every multiplier ncnn2table writes
// above ~16; smaller ones get just enough further decimals, so a table always carries the exact multipliers
// and `quantize` from it reproduces the int8 model written from memory.
std::string fmt(float m) {
  char buf[128];
  for (int decimals = 6; decimals <= 60; ++decimals) {
    std::snprintf(buf, sizeof buf, "%.*f ", decimals, static_cast<double>(m));
    if (std::strtof(buf, nullptr) == m) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.9g ", static_cast<double>(m));  // not reached for finite m
  return buf;
}

void check_step(const std::string& node, double s) {
  if (!(s > 0.0) || !std::isfinite(s))
    fail_unsupported("node '" + node + "'", "int8 scale must be positive and finite");
}

}  // namespace

}  // namespace qd::ncnn

namespace qd::exporters {

using namespace qd::ncnn;

std::string ncnn_table_text(const ir::QuantParams& q, const ir::Graph& g) {
  std::set<std::string> seen;
  std::string weights, acts;
  for (const ir::Node& n : g.nodes()) {
    const ir::LayerQuant* lq = q.find(n.name);
    if (!lq) continue;
    seen.insert(n.name);
    const int count = ncnn_weight_scale_count(g, n);  // throws for non Conv/Gemm
    const int64_t out = n.op == ir::OpKind::Conv ? g.value(n.inputs[1]).constant.dim(0) : count;
    auto step_of = [&](int64_t o) {
      return lq->weight_scales.size() == 1 ? lq->weight_scales[0] : lq->weight_scales.at(o);
    };
    if (lq->weight_scales.size() != 1 && lq->weight_scales.size() != static_cast<size_t>(out))
      fail_unsupported("node '" + n.name + "'", "has " + std::to_string(lq->weight_scales.size()) +
                                                    " weight scales for " + std::to_string(out) + " outputs");
    weights += n.name + "_param_0 ";
    const int64_t per = out / count;
    for (int c = 0; c < count; ++c) {
      double step = 0.0;
      for (int64_t o = c * per; o < (c + 1) * per; ++o) step = std::max(step, step_of(o));
      check_step(n.name, step);
      weights += fmt(multiplier_from_step(step));
    }
    weights += "\n";
    check_step(n.name, lq->input_scale);
    acts += n.name + " " + fmt(multiplier_from_step(lq->input_scale)) + "\n";
  }
  for (const auto& [name, lq] : q.layers)
    if (!seen.count(name))
      fail_unsupported("node '" + name + "'", "quantization entry for a node not in the graph");
  return weights + acts;
}

void save_ncnn_table(const ir::QuantParams& q, const ir::Graph& g, const std::string& path) {
  const std::string text = ncnn_table_text(q, g);
  write_file_atomic(path, [&](std::ostream& os) { os << text; });
}

}  // namespace qd::exporters
