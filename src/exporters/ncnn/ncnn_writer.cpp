#include "exporters/ncnn/ncnn_writer.h"

#include <algorithm>
#include <ostream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "exporters/ncnn/ncnn_write_context.h"
#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {
namespace {

bool is_scalar_constant(const ir::Value& v) { return v.is_constant() && v.constant.numel() == 1; }

void check_name(const std::string& what, const std::string& name) {
  if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
    fail_unsupported(what, "ncnn names cannot be empty or contain whitespace: '" + name + "'");
}

}  // namespace

WriteContext::WriteContext(const ir::Model& m) : m_(m) {
  const ir::Graph& g = m.graph;
  for (size_t i = 0; i < g.num_values(); ++i) used_names_.insert(g.value(static_cast<ir::ValueId>(i)).name);
  // Flatten(axis 1) read only by the Gemm that becomes an InnerProduct (which flattens by itself).
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& n = g.nodes()[i];
    if (n.op != ir::OpKind::Flatten || n.attr<ir::AxisAttrs>().axis != 1) continue;
    const ir::ValueId out = n.outputs[0];
    auto cons = g.consumers(out);
    if (cons.size() == 1 && !g.is_graph_output(out)) {
      const ir::Node& c = g.node(cons[0]);
      if (c.op == ir::OpKind::Gemm && c.inputs[0] == out) fused_flatten_.insert(static_cast<ir::NodeId>(i));
    }
  }
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (is_fused_flatten(static_cast<ir::NodeId>(i))) continue;
    for (ir::ValueId v : blob_inputs(g.nodes()[i])) readers_[v].push_back(static_cast<ir::NodeId>(i));
  }
}

std::vector<ir::ValueId> WriteContext::blob_inputs(const ir::Node& n) const {
  const ir::Graph& gr = g();
  switch (n.op) {
    case ir::OpKind::Gemm: {
      ir::ValueId a = n.inputs.at(0);
      ir::NodeId p = gr.producer(a);
      if (p >= 0 && is_fused_flatten(p)) a = gr.node(p).inputs.at(0);
      return {a};
    }
    case ir::OpKind::Add:
    case ir::OpKind::Sub:
    case ir::OpKind::Mul:
    case ir::OpKind::Div:
    case ir::OpKind::Pow: {
      std::vector<ir::ValueId> r;
      for (ir::ValueId v : n.inputs)
        if (!is_scalar_constant(gr.value(v))) r.push_back(v);
      return r;
    }
    case ir::OpKind::Concat:
      return n.inputs;
    default:
      return {n.inputs.at(0)};
  }
}

std::string WriteContext::take_blob(ir::ValueId v) {
  const ir::Value& val = g().value(v);
  const int uses = static_cast<int>(readers_[v].size()) + (g().is_graph_output(v) ? 1 : 0);
  const int k = taken_[v]++;
  if (uses <= 1) return val.name;
  // ncnn's converters hand the last split output to the first reader.
  return val.name + "_splitncnn_" + std::to_string(uses - 1 - k);
}

void WriteContext::produced(ir::ValueId v) {
  const ir::Value& val = g().value(v);
  check_name("value", val.name);
  const int uses = static_cast<int>(readers_[v].size()) + (g().is_graph_output(v) ? 1 : 0);
  if (uses <= 1) return;
  LayerOut s;
  s.type = layer::Split;
  s.name = "splitncnn_" + std::to_string(split_count_++);
  s.bottoms = {val.name};
  for (int i = 0; i < uses; ++i) s.tops.push_back(val.name + "_splitncnn_" + std::to_string(i));
  add(std::move(s));
}

std::string WriteContext::fresh_blob(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_names_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_names_.insert(name);
  return name;
}

float WriteContext::requantize_multiplier(ir::NodeId id) const {
  const ir::Node& n = g().node(id);
  if (n.op != ir::OpKind::Conv || !quant(n)) return 0.f;
  if (const auto& act = n.attr<ir::ConvAttrs>().activation;
      act && (act->kind == ir::OpKind::HardSigmoid || act->kind == ir::OpKind::Swish))
    return 0.f;  // written as a separate activation layer after the convolution
  const ir::ValueId out = n.outputs.at(0);
  if (g().is_graph_output(out)) return 0.f;
  auto it = readers_.find(out);
  if (it == readers_.end() || it->second.empty()) return 0.f;
  for (ir::NodeId r : it->second) {
    const ir::Node& c = g().node(r);
    if (c.op != ir::OpKind::Conv || !quant(c) || c.inputs.at(0) != out) return 0.f;
  }
  // The reader of split output 0 (the last reader) provides the scale, as in ncnn2int8.
  const ir::LayerQuant* q = quant(g().node(it->second.back()));
  return multiplier_from_step(q->input_scale);
}

void WriteContext::unsupported(const ir::Node& n, const std::string& what) const {
  fail_unsupported("node '" + n.name + "' (" + std::string(ir::op_name(n.op)) + ")",
                   what + " cannot be written to ncnn");
}

}  // namespace qd::ncnn

namespace qd::exporters {

void save_ncnn(const ir::Model& m, const std::string& param_path, const std::string& bin_path) {
  using namespace qd::ncnn;
  const ir::Graph& g = m.graph;
  for (const auto& entry : m.quant.layers) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    auto it =
        std::find_if(g.nodes().begin(), g.nodes().end(), [&](const ir::Node& n) { return n.name == name; });
    if (it == g.nodes().end() || (it->op != ir::OpKind::Conv && it->op != ir::OpKind::Gemm))
      fail_unsupported("node '" + name + "'",
                       "int8 parameters for a node that is not a Conv or Gemm of the graph");
  }
  WriteContext ctx(m);
  for (ir::ValueId in : g.inputs()) {
    const ir::Value& v = g.value(in);
    check_name("graph input", v.name);
    LayerOut L;
    L.type = layer::Input;
    L.name = v.name;
    L.tops = {v.name};
    // Per-image shape, written only when fully known (ncnn's converters usually leave it out).
    Shape s(v.shape.begin() + std::min<size_t>(1, v.shape.size()), v.shape.end());
    if (!s.empty() && s.size() <= 3 && shape_is_static(s)) {
      std::reverse(s.begin(), s.end());  // w, h, c
      for (size_t i = 0; i < s.size(); ++i) L.set_int(static_cast<int>(i), static_cast<int>(s[i]));
    }
    ctx.add(std::move(L));
    ctx.produced(in);
  }
  std::set<ir::ValueId> memory_done;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::NodeId id = static_cast<ir::NodeId>(i);
    if (ctx.is_fused_flatten(id)) continue;
    const ir::Node& n = g.node(id);
    check_name("node", n.name);
    for (ir::ValueId v : ctx.blob_inputs(n))
      if (g.value(v).is_constant() && memory_done.insert(v).second) {
        emit_memory_data(ctx, v);
        ctx.produced(v);
      }
    emit_node(ctx, id);
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const bool multi_top = n.op == ir::OpKind::Split;  // ncnn Slice: one top per output
      if (o > 0 && !multi_top && (!g.consumers(n.outputs[o]).empty() || g.is_graph_output(n.outputs[o])))
        ctx.unsupported(n, "a second output");
      if (o == 0 || multi_top) ctx.produced(n.outputs[o]);
    }
  }

  std::set<std::string> blobs;
  for (const auto& L : ctx.layers())
    for (const auto& t : L.tops) blobs.insert(t);
  write_file_atomic(param_path, [&](std::ostream& os) {
    os << kParamMagic << "\n" << ctx.layers().size() << " " << blobs.size() << "\n";
    for (const auto& L : ctx.layers()) os << L.line() << "\n";
  });
  write_file_atomic(bin_path, [&](std::ostream& os) {
    for (const auto& L : ctx.layers())
      os.write(reinterpret_cast<const char*>(L.weights.data()),
               static_cast<std::streamsize>(L.weights.size()));
  });
}

}  // namespace qd::exporters
