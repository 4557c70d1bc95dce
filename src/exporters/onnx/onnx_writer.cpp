#include "exporters/onnx/onnx_writer.h"

#include <climits>
#include <cmath>

#include "core/atomic_file.h"
#include "core/error.h"
#include "exporters/onnx/onnx_export_context.h"
#include "ir/axis.h"

namespace qd::exporters {

namespace {

using onnx_export::ExportContext;
using onnx_export::set_attr;

std::vector<int64_t> ints(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

// Writes activation `kind` reading `x` into `y` (fused activations and standalone ones share this).
// `exact`: node_name is the IR node's own name (a standalone activation), else a base for a generated name.
void emit_activation(ExportContext& ctx, ir::OpKind kind, float alpha, float beta, const std::string& x,
                     const std::string& y, const std::string& node_name, bool exact) {
  switch (kind) {
    case ir::OpKind::Relu:
      ctx.add_node("Relu", {x}, {y}, node_name, exact);
      return;
    case ir::OpKind::Sigmoid:
      ctx.add_node("Sigmoid", {x}, {y}, node_name, exact);
      return;
    case ir::OpKind::LeakyRelu:
      set_attr(ctx.add_node("LeakyRelu", {x}, {y}, node_name, exact), "alpha", alpha);
      return;
    case ir::OpKind::HardSigmoid: {
      onnx::NodeProto* n = ctx.add_node("HardSigmoid", {x}, {y}, node_name, exact);
      set_attr(n, "alpha", alpha);
      set_attr(n, "beta", beta);
      return;
    }
    case ir::OpKind::HardSwish: {  // HardSwish is opset 14: x * HardSigmoid(x; 1/6, 1/2)
      std::string hs = ctx.fresh(y + "_hardsigmoid");
      onnx::NodeProto* n = ctx.add_node("HardSigmoid", {x}, {hs}, node_name + "_hardsigmoid");
      set_attr(n, "alpha", 1.f / 6.f);
      set_attr(n, "beta", 0.5f);
      ctx.add_node("Mul", {x, hs}, {y}, node_name, exact);
      return;
    }
    case ir::OpKind::Swish: {  // no Swish/SiLU in ONNX: x * Sigmoid(x)
      std::string s = ctx.fresh(y + "_sigmoid");
      ctx.add_node("Sigmoid", {x}, {s}, node_name + "_sigmoid");
      ctx.add_node("Mul", {x, s}, {y}, node_name, exact);
      return;
    }
    case ir::OpKind::Clip: {  // an infinite bound is an omitted input
      std::string lo = std::isinf(alpha) && alpha < 0 ? "" : ctx.add_f32_scalar(node_name + "_min", alpha);
      std::string hi = std::isinf(beta) && beta > 0 ? "" : ctx.add_f32_scalar(node_name + "_max", beta);
      std::vector<std::string> in{x, lo, hi};
      while (in.back().empty()) in.pop_back();
      ctx.add_node("Clip", in, {y}, node_name, exact);
      return;
    }
    default:
      fail_unsupported(node_name, "fused activation " + std::string(ir::op_name(kind)) + " has no ONNX form");
  }
}

// The output name a Conv/Gemm writes before its fused activation (or its final output).
std::string pre_activation_output(ExportContext& ctx, const ir::Node& n,
                                  const std::optional<ir::FusedActivation>& act) {
  const std::string& y = ctx.name(n.outputs.at(0));
  return act ? ctx.fresh(y + "_preact") : y;
}

void finish_activation(ExportContext& ctx, const ir::Node& n, const std::optional<ir::FusedActivation>& act,
                       const std::string& pre) {
  if (act)
    emit_activation(ctx, act->kind, act->alpha, act->beta, pre, ctx.name(n.outputs[0]), n.name + "_act",
                    false);
}

// The axis of the output channels in a quantized layer's weight: Conv [O, I/g, kh, kw] and Gemm with
// transB ([N, K]) -> 0; Gemm without transB ([K, N]) -> 1.
int weight_channel_axis(const ir::Node& n) {
  if (n.op == ir::OpKind::Gemm && !n.attr<ir::GemmAttrs>().trans_b) return 1;
  return 0;
}

// Inputs of a Conv / Gemm: activation and weight through Q/DQ when the layer is quantized.
std::vector<std::string> layer_inputs(ExportContext& ctx, const ir::Node& n, const ir::LayerQuant* q) {
  if (q && n.inputs.size() < 2) fail_unsupported(n.name, "a quantized layer needs a weight input");
  std::vector<std::string> in;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (q && i == 0)
      in.push_back(ctx.qdq_activation(n.inputs[0], static_cast<float>(q->input_scale), n.name));
    else if (q && i == 1)  // the fp32 weight is not written (unless another node reads it)
      in.push_back(ctx.dq_weight(n.inputs[1],
                                 std::vector<float>(q->weight_scales.begin(), q->weight_scales.end()),
                                 weight_channel_axis(n), q->weight_bits, n.name));
    else
      in.push_back(ctx.input(n.inputs[i]));
  }
  while (!in.empty() && in.back().empty()) in.pop_back();
  return in;
}

void emit_conv(ExportContext& ctx, const ir::Node& n, const ir::LayerQuant* q) {
  const auto& a = n.attr<ir::ConvAttrs>();
  std::vector<std::string> in = layer_inputs(ctx, n, q);
  std::string pre = pre_activation_output(ctx, n, a.activation);
  onnx::NodeProto* p = ctx.add_node("Conv", in, {pre}, n.name, true);
  set_attr(p, "kernel_shape", ints({a.kernel_h, a.kernel_w}));
  set_attr(p, "strides", ints({a.stride_h, a.stride_w}));
  set_attr(p, "pads", ints({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right}));
  set_attr(p, "dilations", ints({a.dilation_h, a.dilation_w}));
  set_attr(p, "group", int64_t{a.group});
  finish_activation(ctx, n, a.activation, pre);
}

void emit_gemm(ExportContext& ctx, const ir::Node& n, const ir::LayerQuant* q) {
  const auto& a = n.attr<ir::GemmAttrs>();
  std::vector<std::string> in = layer_inputs(ctx, n, q);
  std::string pre = pre_activation_output(ctx, n, a.activation);
  onnx::NodeProto* p = ctx.add_node("Gemm", in, {pre}, n.name, true);
  set_attr(p, "alpha", a.alpha);
  set_attr(p, "beta", a.beta);
  set_attr(p, "transA", int64_t{a.trans_a ? 1 : 0});
  set_attr(p, "transB", int64_t{a.trans_b ? 1 : 0});
  finish_activation(ctx, n, a.activation, pre);
}

void emit_pool(ExportContext& ctx, const ir::Node& n, const std::vector<std::string>& in,
               const std::vector<std::string>& out) {
  const auto& a = n.attr<ir::PoolAttrs>();
  bool avg = n.op == ir::OpKind::AveragePool;
  onnx::NodeProto* p = ctx.add_node(avg ? "AveragePool" : "MaxPool", in, out, n.name, true);
  set_attr(p, "kernel_shape", ints({a.kernel_h, a.kernel_w}));
  set_attr(p, "strides", ints({a.stride_h, a.stride_w}));
  set_attr(p, "pads", ints({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right}));
  set_attr(p, "ceil_mode", int64_t{a.ceil_mode ? 1 : 0});
  if (avg) set_attr(p, "count_include_pad", int64_t{a.count_include_pad ? 1 : 0});
}

void emit_pad(ExportContext& ctx, const ir::Node& n, std::vector<std::string> in,
              const std::vector<std::string>& out) {
  const auto& a = n.attr<ir::PadAttrs>();
  in.resize(1);
  in.push_back(ctx.add_i64s(n.name + "_pads", a.pads));
  const char* mode = a.mode == ir::PadMode::reflect ? "reflect"
                     : a.mode == ir::PadMode::edge  ? "edge"
                                                    : "constant";
  if (a.mode == ir::PadMode::constant) in.push_back(ctx.add_f32_scalar(n.name + "_value", a.value));
  set_attr(ctx.add_node("Pad", in, out, n.name, true), "mode", std::string(mode));
}

// Opset 13 has no Gelu: x * 0.5 * (1 + Erf(x / sqrt(2))), the form PyTorch exports.
void emit_gelu(ExportContext& ctx, const ir::Node& n, const std::string& x, const std::string& y) {
  const std::string scaled = ctx.fresh(y + "_scaled"), erf = ctx.fresh(y + "_erf"),
                    one_plus = ctx.fresh(y + "_1perf"), prod = ctx.fresh(y + "_xprod");
  ctx.add_node("Div", {x, ctx.add_f32_scalar(n.name + "_sqrt2", static_cast<float>(M_SQRT2))}, {scaled},
               n.name + "_div");
  ctx.add_node("Erf", {scaled}, {erf}, n.name + "_erf");
  ctx.add_node("Add", {erf, ctx.add_f32_scalar(n.name + "_one", 1.f)}, {one_plus}, n.name + "_add");
  ctx.add_node("Mul", {x, one_plus}, {prod}, n.name + "_mul");
  ctx.add_node("Mul", {prod, ctx.add_f32_scalar(n.name + "_half", 0.5f)}, {y}, n.name, true);
}

// Opset 13 has no LayerNormalization: the decomposed form (biased variance) over the IR's axes, with
// scale and bias reshaped to broadcast along them.
void emit_layer_norm(ExportContext& ctx, const ir::Node& n, const std::string& x, const std::string& y) {
  const auto& a = n.attr<ir::LayerNormAttrs>();
  const Shape& xs = ctx.ir().value(n.inputs.at(0)).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t axis = ir::normalize_axis(a.axis, rank);
  std::vector<int64_t> axes;
  Shape affine;
  for (int64_t d = axis; d < rank; ++d) {
    if (d < axis + a.num_axes) axes.push_back(d);
    affine.push_back(d < axis + a.num_axes ? xs[d] : 1);
  }
  auto affine_input = [&](size_t i, const char* what) {
    const Tensor t = ctx.ir().value(n.inputs.at(i)).constant.to_f32().clone().reshaped(affine);
    return ctx.add_initializer(n.name + what, t);
  };
  const std::string mean = ctx.fresh(y + "_mean"), d = ctx.fresh(y + "_centered"), sq = ctx.fresh(y + "_sq"),
                    var = ctx.fresh(y + "_var"), ve = ctx.fresh(y + "_var_eps"), sd = ctx.fresh(y + "_std"),
                    norm = ctx.fresh(y + "_norm");
  onnx::NodeProto* m1 = ctx.add_node("ReduceMean", {x}, {mean}, n.name + "_mean");
  set_attr(m1, "axes", axes);
  ctx.add_node("Sub", {x, mean}, {d}, n.name + "_sub");
  ctx.add_node("Mul", {d, d}, {sq}, n.name + "_square");
  set_attr(ctx.add_node("ReduceMean", {sq}, {var}, n.name + "_var"), "axes", axes);
  ctx.add_node("Add", {var, ctx.add_f32_scalar(n.name + "_eps", a.epsilon)}, {ve}, n.name + "_add_eps");
  ctx.add_node("Sqrt", {ve}, {sd}, n.name + "_sqrt");
  ctx.add_node("Div", {d, sd}, {norm}, n.name + "_div");
  const bool bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
  const std::string scaled = bias ? ctx.fresh(y + "_scaled") : y;
  ctx.add_node("Mul", {norm, affine_input(1, "_scale")}, {scaled}, n.name, !bias);
  if (bias) ctx.add_node("Add", {scaled, affine_input(2, "_bias")}, {y}, n.name, true);
}

void emit_node(ExportContext& ctx, const ir::Node& n, const ir::QuantParams* quant) {
  const ir::LayerQuant* q = quant ? quant->find(n.name) : nullptr;
  if (n.op == ir::OpKind::Conv) return emit_conv(ctx, n, q);
  if (n.op == ir::OpKind::Gemm) return emit_gemm(ctx, n, q);
  // scale and bias are written reshaped, never as the IR's 1-D constants
  if (n.op == ir::OpKind::LayerNorm)
    return emit_layer_norm(ctx, n, ctx.input(n.inputs.at(0)), ctx.name(n.outputs.at(0)));

  std::vector<std::string> in;
  for (ir::ValueId v : n.inputs) in.push_back(ctx.input(v));
  std::vector<std::string> out;
  for (ir::ValueId v : n.outputs) out.push_back(ctx.name(v));
  auto simple = [&](const char* op) { return ctx.add_node(op, in, out, n.name, true); };
  switch (n.op) {
    case ir::OpKind::BatchNormalization:
      set_attr(simple("BatchNormalization"), "epsilon", n.attr<ir::BatchNormAttrs>().epsilon);
      return;
    case ir::OpKind::Relu:
    case ir::OpKind::Clip:
    case ir::OpKind::LeakyRelu:
    case ir::OpKind::Sigmoid:
    case ir::OpKind::HardSigmoid:
    case ir::OpKind::HardSwish:
    case ir::OpKind::Swish: {
      ir::ActAttrs a;
      if (const auto* p = std::get_if<ir::ActAttrs>(&n.attrs)) a = *p;
      return emit_activation(ctx, n.op, a.alpha, a.beta, in.at(0), out.at(0), n.name, true);
    }
    case ir::OpKind::Add:
      simple("Add");
      return;
    case ir::OpKind::Sub:
      simple("Sub");
      return;
    case ir::OpKind::Mul:
      simple("Mul");
      return;
    case ir::OpKind::Div:
      simple("Div");
      return;
    case ir::OpKind::Pow:
      simple("Pow");
      return;
    case ir::OpKind::Erf:
      simple("Erf");
      return;
    case ir::OpKind::Sqrt:
      simple("Sqrt");
      return;
    case ir::OpKind::Gelu:
      return emit_gelu(ctx, n, in.at(0), out.at(0));
    case ir::OpKind::MaxPool:
    case ir::OpKind::AveragePool:
      return emit_pool(ctx, n, in, out);
    case ir::OpKind::GlobalAveragePool:
      simple("GlobalAveragePool");
      return;
    case ir::OpKind::GlobalMaxPool:
      simple("GlobalMaxPool");
      return;
    case ir::OpKind::ReduceMean:
    case ir::OpKind::ReduceMax: {  // opset 13: axes an attribute
      const auto& a = n.attr<ir::ReduceAttrs>();
      onnx::NodeProto* p = simple(n.op == ir::OpKind::ReduceMean ? "ReduceMean" : "ReduceMax");
      set_attr(p, "axes", a.axes);
      set_attr(p, "keepdims", int64_t{a.keepdims ? 1 : 0});
      return;
    }
    case ir::OpKind::ReduceSum: {  // opset 13: axes an input
      const auto& a = n.attr<ir::ReduceAttrs>();
      in.resize(1);
      in.push_back(ctx.add_i64s(n.name + "_axes", a.axes));
      set_attr(simple("ReduceSum"), "keepdims", int64_t{a.keepdims ? 1 : 0});
      return;
    }
    case ir::OpKind::Slice: {
      const auto& a = n.attr<ir::SliceAttrs>();
      in.resize(1);
      for (const auto& [v, what] :
           {std::pair{&a.starts, "_starts"}, {&a.ends, "_ends"}, {&a.axes, "_axes"}, {&a.steps, "_steps"}})
        in.push_back(ctx.add_i64s(n.name + what, *v));
      simple("Slice");
      return;
    }
    case ir::OpKind::Split: {
      const auto& a = n.attr<ir::SplitAttrs>();
      in.resize(1);
      in.push_back(ctx.add_i64s(n.name + "_split", a.sizes));
      set_attr(simple("Split"), "axis", a.axis);
      return;
    }
    case ir::OpKind::ShuffleChannel: {  // Reshape(N,g,C/g,-1) -> Transpose(0,2,1,3) -> Reshape(input shape)
      const Shape& x = ctx.ir().value(n.inputs.at(0)).shape;
      const int64_t group = n.attr<ir::ShuffleChannelAttrs>().group;
      if (x.size() < 2 || x[1] < 0)
        fail_unsupported(n.name, "ShuffleChannel of an input with unknown channels");
      const std::string grouped = ctx.fresh(n.name + "_grouped"), swapped = ctx.fresh(n.name + "_swapped");
      ctx.add_node("Reshape", {in.at(0), ctx.add_i64s(n.name + "_shape5", {0, group, x[1] / group, -1})},
                   {grouped}, n.name + "_group");
      set_attr(ctx.add_node("Transpose", {grouped}, {swapped}, n.name + "_swap"), "perm",
               std::vector<int64_t>{0, 2, 1, 3});
      std::vector<int64_t> back = x;  // 0 keeps the batch; the other dims must be known
      back[0] = 0;
      for (size_t i = 2; i < back.size(); ++i)
        if (back[i] < 0) fail_unsupported(n.name, "ShuffleChannel of an input with unknown spatial dims");
      ctx.add_node("Reshape", {swapped, ctx.add_i64s(n.name + "_shape", back)}, out, n.name, true);
      return;
    }
    case ir::OpKind::Flatten:
      set_attr(simple("Flatten"), "axis", n.attr<ir::AxisAttrs>().axis);
      return;
    case ir::OpKind::Reshape:
      in.resize(1);
      in.push_back(ctx.add_i64s(n.name + "_shape", n.attr<ir::ReshapeAttrs>().shape));
      simple("Reshape");
      return;
    case ir::OpKind::Squeeze:
    case ir::OpKind::Unsqueeze:  // opset 13: axes is an input
      in.resize(1);
      in.push_back(ctx.add_i64s(n.name + "_axes", n.attr<ir::AxesAttrs>().axes));
      simple(n.op == ir::OpKind::Squeeze ? "Squeeze" : "Unsqueeze");
      return;
    case ir::OpKind::MatMul:
      simple("MatMul");
      return;
    case ir::OpKind::Softmax:  // opset 13 Softmax is over one axis, like the IR's
      set_attr(simple("Softmax"), "axis", n.attr<ir::AxisAttrs>().axis);
      return;
    case ir::OpKind::Concat:
      set_attr(simple("Concat"), "axis", n.attr<ir::AxisAttrs>().axis);
      return;
    case ir::OpKind::Identity:
    case ir::OpKind::Dropout:  // inference: identity
      in.resize(1);
      out.resize(1);
      simple("Identity");
      return;
    case ir::OpKind::Pad:
      return emit_pad(ctx, n, in, out);
    case ir::OpKind::Transpose:
      set_attr(simple("Transpose"), "perm", n.attr<ir::AxesAttrs>().axes);
      return;
    default:
      fail_unsupported(n.name, "op " + std::string(ir::op_name(n.op)) + " has no ONNX opset 13 form");
  }
}

void set_value_info(onnx::ValueInfoProto* vi, const ir::Value& v) {
  vi->set_name(v.name);
  onnx::TypeProto_Tensor* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx_export::onnx_elem_type(v.dtype));
  onnx::TensorShapeProto* s = t->mutable_shape();
  for (size_t i = 0; i < v.shape.size(); ++i) {
    onnx::TensorShapeProto_Dimension* d = s->add_dim();
    if (v.shape[i] == kDynamicDim) {
      std::string param = "N";
      if (i > 0) param = std::string("d").append(std::to_string(i));
      d->set_dim_param(param);
    } else
      d->set_dim_value(v.shape[i]);
  }
}

}  // namespace

onnx::ModelProto to_onnx_proto(const ir::Model& model, const OnnxExportOptions& options) {
  const ir::Graph& g = model.graph;
  const ir::QuantParams* quant = options.qdq ? &model.quant : nullptr;
  if (quant) {
    for (const auto& [name, lq] : quant->layers) {
      bool found = false;
      for (const ir::Node& n : g.nodes())
        if (n.name == name) {
          if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm)
            fail(name, "quantization parameters for a " + std::string(ir::op_name(n.op)) + " node");
          found = true;
        }
      if (!found) fail(name, "quantization parameters name a node that is not in the graph");
    }
  }

  onnx::ModelProto m;
  m.set_ir_version(7);  // the IR version of opset 13
  m.set_producer_name("qdeploy");
  onnx::OperatorSetIdProto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(kOnnxExportOpset);
  for (const auto& [k, v] : g.metadata) {
    onnx::StringStringEntryProto* e = m.add_metadata_props();
    e->set_key(k);
    e->set_value(v);
  }
  onnx::GraphProto* gp = m.mutable_graph();
  gp->set_name(quant ? "qdeploy_qdq" : "qdeploy");
  ExportContext ctx(g, gp);
  for (ir::ValueId v : g.inputs()) {
    if (g.value(v).is_constant()) fail_unsupported(g.value(v).name, "a graph input that is a constant");
    set_value_info(gp->add_input(), g.value(v));
  }
  for (const ir::Node& n : g.nodes()) emit_node(ctx, n, quant);
  for (ir::ValueId v : g.outputs()) {
    const ir::Value& val = g.value(v);
    if (val.is_constant() || g.producer(v) < 0)  // ONNX outputs must be produced by a node
      fail_unsupported(val.name, "a graph output that no node computes");
    set_value_info(gp->add_output(), val);
  }
  return m;
}

void save_onnx(const ir::Model& model, const std::string& path) {
  onnx::ModelProto m = to_onnx_proto(model, {});
  if (m.ByteSizeLong() > static_cast<size_t>(INT_MAX))
    fail_unsupported(path, "model larger than 2 GB (protobuf limit)");
  write_file_atomic(path, m.SerializeAsString());
}

void save_onnx_qdq(const ir::Model& model, const std::string& path) {
  if (model.quant.empty()) fail(path, "no quantization parameters: calibrate the model first");
  onnx::ModelProto m = to_onnx_proto(model, {.qdq = true});
  if (m.ByteSizeLong() > static_cast<size_t>(INT_MAX))
    fail_unsupported(path, "model larger than 2 GB (protobuf limit)");
  write_file_atomic(path, m.SerializeAsString());
}

}  // namespace qd::exporters
