#include "frontend/ncnn/ncnn_reader.h"

#include <algorithm>

#include "core/error.h"
#include "format/ncnn/ncnn_schema.h"
#include "frontend/memory_check.h"
#include "frontend/ncnn/ncnn_load_context.h"
#include "ir/shape_inference.h"
#include "passes/standard_pipeline.h"

namespace qd::ncnn {

ir::ValueId LoadContext::bottom(const LayerDesc& L, size_t i) { return blobs.at(L.bottoms.at(i)); }

ir::ValueId LoadContext::top(const LayerDesc& L, size_t i) {
  ir::ValueId v = g().add_value(L.tops.at(i));
  blobs[L.tops[i]] = v;
  return v;
}

static std::string free_name(const LoadContext& ctx, std::string name) {
  while (ctx.blob_names.count(name) || ctx.model.graph.find_value(name) != ir::kNoValue) name += "_";
  return name;
}

ir::ValueId LoadContext::constant(const std::string& base, Tensor t) {
  return g().add_constant(free_name(*this, base), std::move(t));
}

ir::ValueId LoadContext::temp(const std::string& base) { return g().add_value(free_name(*this, base)); }

void LoadContext::emit(const std::string& name, ir::OpKind op, std::vector<ir::ValueId> in,
                       std::vector<ir::ValueId> out, ir::Attrs attrs) {
  ir::Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attrs = std::move(attrs);
  g().add_node(std::move(n));
}

void LoadContext::unsupported(const LayerDesc& L, const std::string& what) const {
  fail_unsupported(param_path + ":" + std::to_string(L.line), L.type + " layer '" + L.name + "': " + what);
}

void LoadContext::bad(const LayerDesc& L, const std::string& what) const {
  fail(param_path + ":" + std::to_string(L.line), L.type + " layer '" + L.name + "': " + what);
}

void LoadContext::expect_blob_counts(const LayerDesc& L, size_t bottoms, size_t tops) const {
  if (L.bottoms.size() != bottoms || L.tops.size() != tops)
    bad(L, "expected " + std::to_string(bottoms) + " bottom and " + std::to_string(tops) +
               " top blobs, got " + std::to_string(L.bottoms.size()) + " and " +
               std::to_string(L.tops.size()));
}

namespace {

// Per-image ncnn shape (w, h, c) -> NCHW-style IR shape with a symbolic batch.
Shape input_shape(const LayerDesc& L) {
  const int w = L.params.get_int(input::w, 0), h = L.params.get_int(input::h, 0),
            c = L.params.get_int(input::c, 0);
  auto dim = [](int d) { return d > 0 ? int64_t{d} : kDynamicDim; };
  if (c > 0 || (w <= 0 && h <= 0)) return {kDynamicDim, dim(c), dim(h), dim(w)};
  if (h > 0) return {kDynamicDim, dim(h), dim(w)};
  return {kDynamicDim, dim(w)};
}

// A 4-D graph input without a channel count takes it from the first Conv reading it.
void infer_input_channels(ir::Graph& g) {
  for (ir::ValueId in : g.inputs()) {
    ir::Value& v = g.value(in);
    if (v.shape.size() != 4 || v.shape[1] != kDynamicDim) continue;
    for (ir::NodeId n : g.consumers(in)) {
      const ir::Node& node = g.node(n);
      if (node.op != ir::OpKind::Conv || node.inputs[0] != in) continue;
      const Tensor& w = g.value(node.inputs[1]).constant;
      v.shape[1] = w.dim(1) * node.attr<ir::ConvAttrs>().group;
      break;
    }
  }
}

}  // namespace
}  // namespace qd::ncnn

namespace qd::frontend {

ir::Model load_ncnn_unoptimized(const std::string& param_path, const std::string& bin_path) {
  using namespace qd::ncnn;
  ParamFile pf = parse_param_file(param_path);
  BinReader bin(bin_path);
  ir::Model model;
  LoadContext ctx{model, bin, {}, {}, {}, param_path};
  for (const LayerDesc& L : pf.layers) {
    for (const auto& b : L.bottoms) ++ctx.reads[b];
    for (const auto& t : L.tops) ctx.blob_names.insert(t);
  }
  for (const LayerDesc& L : pf.layers) {
    if (L.type == layer::Input) {
      ctx.expect_blob_counts(L, 0, 1);
      ir::ValueId v = ctx.top(L, 0);
      model.graph.value(v).shape = input_shape(L);
      model.graph.inputs().push_back(v);
    } else if (L.type == layer::Split) {
      if (L.bottoms.size() != 1 || L.tops.empty()) ctx.bad(L, "Split needs one bottom and at least one top");
      for (const auto& t : L.tops) ctx.blobs[t] = ctx.bottom(L, 0);
    } else if (L.type == layer::Convolution || L.type == layer::ConvolutionDepthWise) {
      translate_convolution(ctx, L);
    } else if (L.type == layer::InnerProduct) {
      translate_innerproduct(ctx, L);
    } else if (!translate_simple_layer(ctx, L)) {
      ctx.unsupported(L, "unsupported ncnn layer type '" + L.type + "'");
    }
  }
  bin.expect_end();
  if (model.graph.inputs().empty()) fail(param_path, "the model has no Input layer");

  // Graph outputs: blobs no layer reads, in production order (an unread Split output marks its input). An
  // unread part of a multi-output layer (a Slice whose part the ONNX model dropped) is not an output
  // unless nothing else is: it came before the real output and our runtime returned it instead.
  auto& outs = model.graph.outputs();
  std::vector<ir::ValueId> dropped_parts;
  for (const LayerDesc& L : pf.layers)
    for (const auto& t : L.tops) {
      if (ctx.reads[t] != 0) continue;
      ir::ValueId v = ctx.blobs.at(t);
      auto& list = L.tops.size() > 1 && L.type != layer::Split ? dropped_parts : outs;
      if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
    }
  if (outs.empty()) outs = dropped_parts;
  infer_input_channels(model.graph);
  model.graph.metadata["source_format"] = "ncnn";
  model.graph.sort_topologically();
  // Shapes follow when the file gives the input size (ncnn files often leave it to the caller).
  bool sized = true;
  for (ir::ValueId in : model.graph.inputs()) {
    const Shape& s = model.graph.value(in).shape;
    sized &= shape_is_static(Shape(s.begin() + 1, s.end()));
  }
  if (sized) {
    try {
      ir::infer_shapes(model.graph);
    } catch (const Error& e) {
      throw Error(e.kind(), param_path + ": " + e.what());
    }
    frontend::check_model_memory(model.graph, param_path);
  }
  return model;
}

ir::Model load_ncnn(const std::string& param_path, const std::string& bin_path, const Shape& input_shape) {
  ir::Model m = load_ncnn_unoptimized(param_path, bin_path);
  ir::Graph& g = m.graph;
  if (!input_shape.empty() && g.inputs().size() == 1) {
    // The caller's size where the file leaves it open (ncnn's Input layer often has no size).
    Shape& s = g.value(g.inputs()[0]).shape;
    bool unknown = s.size() != input_shape.size();
    for (size_t i = 1; !unknown && i < s.size(); ++i) unknown = s[i] < 0;
    if (unknown) {
      s = input_shape;
      s[0] = kDynamicDim;
      try {
        ir::infer_shapes(g);
      } catch (const Error& e) {
        throw Error(e.kind(), param_path + ": " + e.what());
      }
      frontend::check_model_memory(g, param_path);
    }
  }
  try {
    passes::run_import_pipeline(g);  // as import_onnx: both importers return the same kind of graph
  } catch (const Error& e) {
    throw Error(e.kind(), param_path + ": " + e.what());
  }
  return m;
}

}  // namespace qd::frontend
