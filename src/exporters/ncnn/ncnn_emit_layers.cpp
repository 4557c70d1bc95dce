// IR node -> ncnn layer(s): params and .bin bytes per op.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "exporters/ncnn/ncnn_write_context.h"
#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {
namespace {

using ir::OpKind;

LayerOut start(WriteContext& ctx, const ir::Node& n, std::string_view type) {
  LayerOut L;
  L.type = type;
  L.name = n.name;
  for (ir::ValueId v : ctx.blob_inputs(n)) L.bottoms.push_back(ctx.take_blob(v));
  L.tops = {ctx.g().value(n.outputs.at(0)).name};
  return L;
}

const Tensor& constant_input(WriteContext& ctx, const ir::Node& n, size_t i, const char* what) {
  if (i >= n.inputs.size() || n.inputs[i] == ir::kNoValue || !ctx.g().value(n.inputs[i]).is_constant())
    ctx.unsupported(n, std::string("a non-constant ") + what);
  return ctx.g().value(n.inputs[i]).constant;
}

std::vector<float> floats(const Tensor& t) {
  Tensor f = t.to_f32();
  return {f.data<float>(), f.data<float>() + f.numel()};
}

// Fused activation -> activation_type / activation_params. Returns false for HardSigmoid and Swish, which
// ncnn cannot fuse (the caller writes a separate layer).
bool set_activation(WriteContext& ctx, const ir::Node& n, LayerOut& L,
                    const std::optional<ir::FusedActivation>& a, int type_id, int params_id) {
  if (!a) return true;
  switch (a->kind) {
    case OpKind::Relu:
      L.set_int(type_id, activation::relu);
      return true;
    case OpKind::LeakyRelu: {
      L.set_int(type_id, activation::leaky_relu);
      const float p[] = {a->alpha};
      L.set_floats(params_id, p);
      return true;
    }
    case OpKind::Clip: {
      L.set_int(type_id, activation::clip);
      const float p[] = {a->alpha, a->beta};
      L.set_floats(params_id, p);
      return true;
    }
    case OpKind::Sigmoid:
      L.set_int(type_id, activation::sigmoid);
      return true;
    case OpKind::HardSwish: {
      L.set_int(type_id, activation::hard_swish);
      const float p[] = {1.f / 6.f, 0.5f};
      L.set_floats(params_id, p);
      return true;
    }
    case OpKind::HardSigmoid:
    case OpKind::Swish:
      return false;
    default:
      ctx.unsupported(n, "fused activation " + std::string(ir::op_name(a->kind)));
  }
}

// Writes a fused activation ncnn's activation_type cannot express (HardSigmoid, Swish) as its own layer:
// the main layer writes an intermediate blob.
void add_with_separate_activation(WriteContext& ctx, LayerOut L, const ir::FusedActivation& a) {
  const bool swish = a.kind == OpKind::Swish;
  const std::string suffix = swish ? "_swish" : "_hardsigmoid";
  const std::string out = L.tops[0];
  L.tops[0] = ctx.fresh_blob(out + "_pre" + suffix.substr(1));
  LayerOut act;
  act.type = swish ? layer::Swish : layer::HardSigmoid;
  act.name = L.name + suffix;
  act.bottoms = {L.tops[0]};
  act.tops = {out};
  if (!swish) {
    act.set_float(hard_sigmoid::alpha, a.alpha, hard_sigmoid::kDefaultAlpha);
    act.set_float(hard_sigmoid::beta, a.beta, hard_sigmoid::kDefaultBeta);
  }
  ctx.add(std::move(L));
  ctx.add(std::move(act));
}

// Per-row multipliers for int8 weights of `rows` rows: from steps per row or one step for all.
std::vector<float> row_multipliers(WriteContext& ctx, const ir::Node& n, const ir::LayerQuant& q,
                                   int64_t rows) {
  if (q.weight_scales.size() != 1 && q.weight_scales.size() != static_cast<size_t>(rows))
    ctx.unsupported(n, "int8 with " + std::to_string(q.weight_scales.size()) + " weight scales for " +
                           std::to_string(rows) + " output channels");
  std::vector<float> m;
  for (int64_t r = 0; r < rows; ++r) {
    const double step = q.weight_scales.size() == 1 ? q.weight_scales[0] : q.weight_scales[r];
    if (!(step > 0.0) || !std::isfinite(step)) ctx.unsupported(n, "int8 with a non-positive weight scale");
    m.push_back(multiplier_from_step(step));
  }
  return m;
}

float input_multiplier(WriteContext& ctx, const ir::Node& n, const ir::LayerQuant& q) {
  if (!(q.input_scale > 0.0) || !std::isfinite(q.input_scale))
    ctx.unsupported(n, "int8 with a non-positive input scale");
  return multiplier_from_step(q.input_scale);
}

// int8 weights quantized row by row (each of `rows` rows has its own multiplier).
std::vector<int8_t> quantize_rows(const std::vector<float>& w, const std::vector<float>& m) {
  std::vector<int8_t> q(w.size());
  const size_t per = w.size() / m.size();
  for (size_t r = 0; r < m.size(); ++r)
    for (size_t i = 0; i < per; ++i) q[r * per + i] = quantize_weight(w[r * per + i], m[r]);
  return q;
}

// The window params of a Convolution or Pooling line, each only when it differs from ncnn's default;
// dilation only for layers that have it (ids.dilation_w >= 0).
void emit_window(LayerOut& L, const WindowParamIds& ids, const ir::Window2d& w, int dilation_h = 1,
                 int dilation_w = 1) {
  L.set_int(ids.kernel_w, w.kernel_w);
  L.set_int(ids.kernel_h, w.kernel_h, w.kernel_w);
  if (ids.dilation_w >= 0) {
    L.set_int(ids.dilation_w, dilation_w, 1);
    L.set_int(ids.dilation_h, dilation_h, dilation_w);
  }
  L.set_int(ids.stride_w, w.stride_w, 1);
  L.set_int(ids.stride_h, w.stride_h, w.stride_w);
  L.set_int(ids.pad_left, w.pad_left, 0);
  if (ids.pad_top_before_right) L.set_int(ids.pad_top, w.pad_top, w.pad_left);
  L.set_int(ids.pad_right, w.pad_right, w.pad_left);
  if (!ids.pad_top_before_right) L.set_int(ids.pad_top, w.pad_top, w.pad_left);
  L.set_int(ids.pad_bottom, w.pad_bottom, w.pad_top);
}

void emit_conv(WriteContext& ctx, ir::NodeId id) {
  const ir::Node& n = ctx.g().node(id);
  const auto& a = n.attr<ir::ConvAttrs>();
  const Tensor& wt = constant_input(ctx, n, 1, "Conv weight");
  if (wt.rank() != 4) ctx.unsupported(n, "a Conv weight that is not 4-D");
  const int out_c = static_cast<int>(wt.dim(0));
  const bool grouped = a.group > 1;
  LayerOut L = start(ctx, n, grouped ? layer::ConvolutionDepthWise : layer::Convolution);
  L.set_int(conv::num_output, out_c);
  emit_window(L, conv::window, a, a.dilation_h, a.dilation_w);
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
  L.set_int(conv::bias_term, has_bias ? 1 : 0, 0);
  L.set_int(conv::weight_data_size, static_cast<int>(wt.numel()));
  L.set_int(conv::group, a.group, 1);

  const ir::LayerQuant* q = ctx.quant(n);
  const float top_m = ctx.requantize_multiplier(id);
  if (q) {
    int term = grouped ? conv::kInt8PerGroup : conv::kInt8PerChannel;
    if (top_m > 0.f) term += conv::kRequantizeOffset;
    L.set_int(conv::int8_scale_term, term);
  }
  const bool fused = set_activation(ctx, n, L, a.activation, conv::activation_type, conv::activation_params);

  const std::vector<float> w = floats(wt);
  std::vector<float> weight_m;  // written weight multipliers (per output channel or per group)
  if (q) {
    std::vector<float> per_out = row_multipliers(ctx, n, *q, out_c);
    if (grouped) {
      // One multiplier per group: the group's largest step (smallest multiplier) clips no weight.
      const int per_group = out_c / a.group;
      for (int gi = 0; gi < a.group; ++gi)
        weight_m.push_back(
            *std::min_element(per_out.begin() + gi * per_group, per_out.begin() + (gi + 1) * per_group));
    } else {
      weight_m = per_out;
    }
    L.put_tagged_int8(quantize_rows(w, weight_m));
  } else if (!ctx.model().quant.empty()) {
    L.put_tagged_fp16(w);
  } else {
    L.put_tagged_fp32(w);
  }
  if (has_bias) {
    const std::vector<float> b = floats(constant_input(ctx, n, 2, "Conv bias"));
    if (b.size() != static_cast<size_t>(out_c))
      ctx.unsupported(n, "a bias whose size differs from the output channels");
    L.put_raw(b);
  }
  if (q) {
    L.put_raw(weight_m);
    const float bottom[] = {input_multiplier(ctx, n, *q)};
    L.put_raw(bottom);
    if (top_m > 0.f) {
      const float top[] = {top_m};
      L.put_raw(top);
    }
  }
  if (fused) return ctx.add(std::move(L));
  add_with_separate_activation(ctx, std::move(L), *a.activation);
}

void emit_gemm(WriteContext& ctx, ir::NodeId id) {
  const ir::Node& n = ctx.g().node(id);
  const auto& a = n.attr<ir::GemmAttrs>();
  if (a.trans_a) ctx.unsupported(n, "Gemm with trans_a");
  const Tensor& bt = constant_input(ctx, n, 1, "Gemm B");
  if (bt.rank() != 2) ctx.unsupported(n, "a Gemm B that is not 2-D");
  const int64_t out_n = a.trans_b ? bt.dim(0) : bt.dim(1), k = a.trans_b ? bt.dim(1) : bt.dim(0);
  std::vector<float> w = floats(bt);
  if (!a.trans_b) {  // ncnn stores [out, in]
    std::vector<float> t(w.size());
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < out_n; ++c) t[c * k + r] = w[r * out_n + c];
    w.swap(t);
  }
  for (float& v : w) v *= a.alpha;
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue && a.beta != 0.f;
  std::vector<float> bias;
  if (has_bias) {
    bias = floats(constant_input(ctx, n, 2, "Gemm C"));
    if (bias.size() == 1) bias.assign(out_n, bias[0]);
    if (bias.size() != static_cast<size_t>(out_n)) ctx.unsupported(n, "a Gemm C that is not per output");
    for (float& v : bias) v *= a.beta;
  }
  LayerOut L = start(ctx, n, layer::InnerProduct);
  L.set_int(innerproduct::num_output, static_cast<int>(out_n));
  L.set_int(innerproduct::bias_term, has_bias ? 1 : 0, 0);
  L.set_int(innerproduct::weight_data_size, static_cast<int>(w.size()));
  const ir::LayerQuant* q = ctx.quant(n);
  if (q) L.set_int(innerproduct::int8_scale_term, conv::kInt8PerChannel);
  const bool fused =
      set_activation(ctx, n, L, a.activation, innerproduct::activation_type, innerproduct::activation_params);
  std::vector<float> weight_m;
  if (q) {
    weight_m = row_multipliers(ctx, n, *q, out_n);
    L.put_tagged_int8(quantize_rows(w, weight_m));
  } else if (!ctx.model().quant.empty()) {
    L.put_tagged_fp16(w);
  } else {
    L.put_tagged_fp32(w);
  }
  if (has_bias) L.put_raw(bias);
  if (q) {
    L.put_raw(weight_m);
    const float bottom[] = {input_multiplier(ctx, n, *q)};
    L.put_raw(bottom);
  }
  if (fused) return ctx.add(std::move(L));
  add_with_separate_activation(ctx, std::move(L), *a.activation);
}

void emit_binary(WriteContext& ctx, const ir::Node& n) {
  const ir::Value& a = ctx.g().value(n.inputs.at(0));
  const ir::Value& b = ctx.g().value(n.inputs.at(1));
  auto scalar = [](const ir::Value& v) { return v.is_constant() && v.constant.numel() == 1; };
  int type = n.op == OpKind::Add   ? binaryop::add
             : n.op == OpKind::Sub ? binaryop::sub
             : n.op == OpKind::Mul ? binaryop::mul
             : n.op == OpKind::Pow ? binaryop::pow
                                   : binaryop::div;
  if (scalar(a) && scalar(b)) ctx.unsupported(n, "a binary op on two constants");
  if (scalar(a) && n.op == OpKind::Pow) ctx.unsupported(n, "Pow with a constant base");
  LayerOut L = start(ctx, n, layer::BinaryOp);
  if (scalar(a)) {  // s op x
    if (type == binaryop::sub) type = binaryop::rsub;
    if (type == binaryop::div) type = binaryop::rdiv;
  }
  L.set_int(binaryop::op_type, type, binaryop::add);
  if (scalar(a) || scalar(b)) {
    L.set_int(binaryop::with_scalar, 1);
    L.set_float(binaryop::b, floats(scalar(a) ? a.constant : b.constant)[0], 0.f);
  }
  ctx.add(std::move(L));
}

// ncnn's global Pooling writes a 1-D blob (C) where the IR value is N x C x 1 x 1. Readers other than
// Flatten/Reshape get it back as a 3-D C x 1 x 1 blob: ncnn's int8 Convolution has no 1-D input path and
// computes a 1x1 convolution on the 1-D blob (squeeze-and-excitation) as if it were spatial (docs/ncnn.md).
void add_global_pool(WriteContext& ctx, const ir::Node& n, LayerOut L) {
  const ir::ValueId out = n.outputs.at(0);
  bool only_flatten = true;
  for (ir::NodeId r : ctx.g().consumers(out)) {
    const OpKind op = ctx.g().node(r).op;
    only_flatten = only_flatten && (op == OpKind::Flatten || op == OpKind::Reshape);
  }
  if (only_flatten) return ctx.add(std::move(L));
  const Shape& s = ctx.g().value(out).shape;
  const int c = s.size() == 4 && s[1] > 0 ? static_cast<int>(s[1]) : -1;  // -1: ncnn infers it
  const std::string top = L.tops[0];
  L.tops[0] = ctx.fresh_blob(top + "_1d");
  LayerOut r;
  r.type = layer::Reshape;
  r.name = n.name + "_3d";
  r.bottoms = {L.tops[0]};
  r.tops = {top};
  r.set_int(reshape::w, 1);
  r.set_int(reshape::h, 1);
  r.set_int(reshape::c, c);
  ctx.add(std::move(L));
  ctx.add(std::move(r));
}

void emit_pool(WriteContext& ctx, const ir::Node& n) {
  LayerOut L = start(ctx, n, layer::Pooling);
  const bool avg = n.op == OpKind::AveragePool || n.op == OpKind::GlobalAveragePool;
  L.set_int(pooling::pooling_type, avg ? pooling::type_avg : pooling::type_max, pooling::type_max);
  if (n.op == OpKind::GlobalAveragePool || n.op == OpKind::GlobalMaxPool) {
    L.set_int(pooling::global_pooling, 1);
    return add_global_pool(ctx, n, std::move(L));
  }
  const auto& a = n.attr<ir::PoolAttrs>();
  emit_window(L, pooling::window, a);
  L.set_int(pooling::pad_mode, a.ceil_mode ? pooling::mode_full : pooling::mode_valid, pooling::mode_full);
  if (avg) L.set_int(pooling::avgpool_count_include_pad, a.count_include_pad ? 1 : 0, 0);
  ctx.add(std::move(L));
}

// IR axis (with batch) -> ncnn axis (without); axis 0 is the batch.
int ncnn_axis(WriteContext& ctx, const ir::Node& n, int64_t axis) {
  if (axis == 0) ctx.unsupported(n, "an operation along the batch axis");
  return static_cast<int>(axis > 0 ? axis - 1 : axis);
}

void emit_reshape(WriteContext& ctx, const ir::Node& n) {
  std::vector<int64_t> s = n.attr<ir::ReshapeAttrs>().shape;
  const Shape& in_shape = ctx.g().value(n.inputs.at(0)).shape;
  const int minus_ones = static_cast<int>(std::count(s.begin(), s.end(), -1));
  if (s.size() < 2 || s.size() > 5) ctx.unsupported(n, "a Reshape to rank " + std::to_string(s.size()));
  if (!(s[0] == 0 || s[0] == 1 || (s[0] == -1 && minus_ones == 1)))
    ctx.unsupported(n, "a Reshape that changes the batch dimension");
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] == 0) {  // ONNX copies the input dim; ncnn's 0 copies by name (w/h/c), so spell it out
      if (i >= in_shape.size() || in_shape[i] < 0)
        ctx.unsupported(n, "Reshape dim 0 with an unknown input shape");
      s[i] = in_shape[i];
    }
  LayerOut L = start(ctx, n, layer::Reshape);
  std::vector<int64_t> dims(s.begin() + 1, s.end());  // c, (d,) h, w from outermost
  std::reverse(dims.begin(), dims.end());
  const int ids[] = {reshape::w, reshape::h, reshape::d, reshape::c};
  if (dims.size() == 3) {
    L.set_int(reshape::w, static_cast<int>(dims[0]));
    L.set_int(reshape::h, static_cast<int>(dims[1]));
    L.set_int(reshape::c, static_cast<int>(dims[2]));
  } else {
    for (size_t i = 0; i < dims.size(); ++i) L.set_int(ids[i], static_cast<int>(dims[i]));
  }
  ctx.add(std::move(L));
}

void emit_pad(WriteContext& ctx, const ir::Node& n) {
  const auto& a = n.attr<ir::PadAttrs>();
  if (a.pads.size() != 8 || a.pads[0] != 0 || a.pads[4] != 0)
    ctx.unsupported(n, "padding other than 4-D without batch padding");
  for (int64_t p : a.pads)
    if (p < 0) ctx.unsupported(n, "negative padding");
  LayerOut L = start(ctx, n, layer::Padding);
  L.set_int(padding::top, static_cast<int>(a.pads[2]), 0);
  L.set_int(padding::bottom, static_cast<int>(a.pads[6]), 0);
  L.set_int(padding::left, static_cast<int>(a.pads[3]), 0);
  L.set_int(padding::right, static_cast<int>(a.pads[7]), 0);
  const int type = a.mode == ir::PadMode::constant ? padding::type_constant
                   : a.mode == ir::PadMode::edge   ? padding::type_replicate
                                                   : padding::type_reflect;
  L.set_int(padding::type, type, padding::type_constant);
  L.set_float(padding::value, a.value, 0.f);
  L.set_int(padding::front, static_cast<int>(a.pads[1]), 0);
  L.set_int(padding::behind, static_cast<int>(a.pads[5]), 0);
  ctx.add(std::move(L));
}

// ReduceMean/Max over H,W of an NCHW value: ncnn global Pooling (its result is a flat [C] blob, so
// keepdims=0 adds a Flatten, a no-op in ncnn, that makes the shape explicit for readers of the file).
// Other reductions: ncnn Reduction with its per-image axes (fixbug0=1 numbering, batch excluded).
void emit_reduce(WriteContext& ctx, const ir::Node& n) {
  const auto& a = n.attr<ir::ReduceAttrs>();
  const Shape& x = ctx.g().value(n.inputs.at(0)).shape;
  const bool spatial = x.size() == 4 && a.axes == std::vector<int64_t>{2, 3};
  if (spatial && n.op != OpKind::ReduceSum) {
    LayerOut L = start(ctx, n, layer::Pooling);
    L.set_int(pooling::pooling_type, n.op == OpKind::ReduceMean ? pooling::type_avg : pooling::type_max,
              pooling::type_max);
    L.set_int(pooling::global_pooling, 1);
    if (a.keepdims) return add_global_pool(ctx, n, std::move(L));  // N x C x 1 x 1, as GlobalAveragePool
    const std::string out = L.tops[0];
    L.tops[0] = ctx.fresh_blob(out + "_pooled");
    LayerOut flat;
    flat.type = layer::Flatten;
    flat.name = L.name + "_flatten";
    flat.bottoms = {L.tops[0]};
    flat.tops = {out};
    ctx.add(std::move(L));
    return ctx.add(std::move(flat));
  }
  if (x.size() < 2 || x.size() > 5)
    ctx.unsupported(n, "a reduction of a rank-" + std::to_string(x.size()) + " value");
  std::vector<int> axes;
  for (int64_t ax : a.axes) axes.push_back(ncnn_axis(ctx, n, ax));
  LayerOut L = start(ctx, n, layer::Reduction);
  L.set_int(reduction::operation, n.op == OpKind::ReduceMean  ? reduction::op_mean
                                  : n.op == OpKind::ReduceMax ? reduction::op_max
                                                              : reduction::op_sum);
  L.set_int(reduction::reduce_all, 0);
  L.set_ints(reduction::axes, axes);
  L.set_int(reduction::keepdims, a.keepdims ? 1 : 0);
  L.set_int(reduction::fixbug0, 1);
  ctx.add(std::move(L));
}

// Slice with step 1 -> ncnn Crop with numpy-style starts/ends/axes (per-image axes).
void emit_slice(WriteContext& ctx, const ir::Node& n) {
  const auto& a = n.attr<ir::SliceAttrs>();
  const Shape& x = ctx.g().value(n.inputs.at(0)).shape;
  if (x.size() < 2 || x.size() > 5)
    ctx.unsupported(n, "a Slice of a rank-" + std::to_string(x.size()) + " value");
  std::vector<int> starts, ends, axes;
  for (size_t i = 0; i < a.axes.size(); ++i) {
    if (a.steps[i] != 1) ctx.unsupported(n, "a Slice with step " + std::to_string(a.steps[i]));
    int64_t end = a.ends[i];
    if (x[a.axes[i]] >= 0) end = std::min(end, x[a.axes[i]]);
    if (end <= a.starts[i] || end > INT32_MAX) ctx.unsupported(n, "an empty or unbounded Slice");
    starts.push_back(static_cast<int>(a.starts[i]));
    ends.push_back(static_cast<int>(end));
    axes.push_back(ncnn_axis(ctx, n, a.axes[i]));
  }
  LayerOut L = start(ctx, n, layer::Crop);
  L.set_ints(crop::starts, starts);
  L.set_ints(crop::ends, ends);
  L.set_ints(crop::axes, axes);
  ctx.add(std::move(L));
}

// Split -> ncnn Slice (one top per part).
void emit_split(WriteContext& ctx, const ir::Node& n) {
  const auto& a = n.attr<ir::SplitAttrs>();
  LayerOut L = start(ctx, n, layer::Slice);
  L.tops.clear();
  for (ir::ValueId o : n.outputs) L.tops.push_back(ctx.g().value(o).name);
  std::vector<int> sizes(a.sizes.begin(), a.sizes.end());
  L.set_ints(slice::slices, sizes);
  L.set_int(slice::axis, ncnn_axis(ctx, n, a.axis), 0);
  ctx.add(std::move(L));
}

void emit_batchnorm(WriteContext& ctx, const ir::Node& n) {
  // IR inputs: X, scale, bias, mean, var; ncnn weights: slope, mean, variance, bias.
  std::vector<float> v[4];
  const int order[] = {1, 3, 4, 2};
  for (int i = 0; i < 4; ++i) v[i] = floats(constant_input(ctx, n, order[i], "BatchNormalization parameter"));
  LayerOut L = start(ctx, n, layer::BatchNorm);
  L.set_int(batchnorm::channels, static_cast<int>(v[0].size()));
  L.set_float(batchnorm::eps, n.attr<ir::BatchNormAttrs>().epsilon, 0.f);
  for (auto& x : v) {
    if (x.size() != v[0].size()) ctx.unsupported(n, "BatchNormalization parameters of different sizes");
    L.put_raw(x);
  }
  ctx.add(std::move(L));
}

LayerOut permute_layer(const std::string& name, const std::string& bottom, const std::string& top,
                       int order) {
  LayerOut P;
  P.type = layer::Permute;
  P.name = name;
  P.bottoms = {bottom};
  P.tops = {top};
  P.set_int(permute::order_type, order, 0);
  return P;
}

// ncnn's LayerNorm normalises each row (w) of a blob. Over the IR's last axis that is one layer; over
// the channels of an NCHW tensor (ConvNeXt) the blob is permuted (c,h,w) -> (h,w,c), normalised along
// w = c and permuted back.
void emit_layer_norm(WriteContext& ctx, const ir::Node& n) {
  const auto& a = n.attr<ir::LayerNormAttrs>();
  const int64_t rank = static_cast<int64_t>(ctx.g().value(n.inputs.at(0)).shape.size());
  const int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  const bool channels = rank == 4 && axis == 1 && a.num_axes == 1;
  if (a.num_axes != 1 || !(axis == rank - 1 || channels))
    ctx.unsupported(n, "LayerNorm over axes other than the last one or the channels of a 4-D tensor");
  const std::vector<float> gamma = floats(constant_input(ctx, n, 1, "LayerNorm scale"));
  std::vector<float> beta(gamma.size(), 0.f);
  if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue)
    beta = floats(constant_input(ctx, n, 2, "LayerNorm bias"));
  if (beta.size() != gamma.size()) ctx.unsupported(n, "LayerNorm scale and bias of different sizes");
  LayerOut L = start(ctx, n, layer::LayerNorm);
  L.set_int(layernorm::affine_size, static_cast<int>(gamma.size()));
  L.set_float(layernorm::eps, a.epsilon, layernorm::kDefaultEps);
  L.set_int(layernorm::affine, 1);
  L.put_raw(gamma);
  L.put_raw(beta);
  if (!channels) return ctx.add(std::move(L));
  const std::string in = L.bottoms.at(0), out = L.tops.at(0);
  L.bottoms[0] = ctx.fresh_blob(out + "_hwc");
  L.tops[0] = ctx.fresh_blob(out + "_hwc_norm");
  ctx.add(permute_layer(n.name + "_to_hwc", in, L.bottoms[0], 3));
  LayerOut back = permute_layer(n.name + "_to_chw", L.tops[0], out, 4);
  ctx.add(std::move(L));
  ctx.add(std::move(back));
}

void emit_transpose(WriteContext& ctx, const ir::Node& n) {
  const auto& perm = n.attr<ir::AxesAttrs>().axes;
  for (int t = 0; t < permute::kNumOrders; ++t)
    if (perm == std::vector<int64_t>(std::begin(permute::kPerm[t]), std::end(permute::kPerm[t]))) {
      LayerOut L = start(ctx, n, layer::Permute);
      L.set_int(permute::order_type, t, 0);
      return ctx.add(std::move(L));
    }
  ctx.unsupported(n, "a Transpose other than a permutation of the axes after the batch of a 4-D tensor");
}

}  // namespace

void emit_memory_data(WriteContext& ctx, ir::ValueId v) {
  const ir::Value& val = ctx.g().value(v);
  Shape s = val.constant.shape();
  while (s.size() > 1 && s.front() == 1) s.erase(s.begin());  // leading 1s broadcast anyway
  if (s.size() > 3)
    fail_unsupported("constant '" + val.name + "'",
                     "a constant operand of rank > 3 cannot be written to ncnn");
  LayerOut L;
  L.type = layer::MemoryData;
  L.name = val.name;
  L.tops = {val.name};
  std::reverse(s.begin(), s.end());  // w, h, c
  const int ids[] = {input::w, input::h, input::c};
  for (size_t i = 0; i < s.size(); ++i) L.set_int(ids[i], static_cast<int>(s[i]));
  L.put_raw(floats(val.constant));
  ctx.add(std::move(L));
}

void emit_node(WriteContext& ctx, ir::NodeId id) {
  const ir::Node& n = ctx.g().node(id);
  auto simple = [&](std::string_view type) { ctx.add(start(ctx, n, type)); };
  switch (n.op) {
    case OpKind::Conv:
      return emit_conv(ctx, id);
    case OpKind::Gemm:
      return emit_gemm(ctx, id);
    case OpKind::Relu:
      return simple(layer::ReLU);
    case OpKind::LeakyRelu: {
      LayerOut L = start(ctx, n, layer::ReLU);
      L.set_float(relu::slope, n.attr<ir::ActAttrs>().alpha);
      return ctx.add(std::move(L));
    }
    case OpKind::Clip: {
      LayerOut L = start(ctx, n, layer::Clip);
      L.set_float(clip::min, n.attr<ir::ActAttrs>().alpha, -FLT_MAX);
      L.set_float(clip::max, n.attr<ir::ActAttrs>().beta, FLT_MAX);
      return ctx.add(std::move(L));
    }
    case OpKind::Sigmoid:
      return simple(layer::Sigmoid);
    case OpKind::Swish:
      return simple(layer::Swish);
    case OpKind::HardSigmoid: {
      LayerOut L = start(ctx, n, layer::HardSigmoid);
      L.set_float(hard_sigmoid::alpha, n.attr<ir::ActAttrs>().alpha, hard_sigmoid::kDefaultAlpha);
      L.set_float(hard_sigmoid::beta, n.attr<ir::ActAttrs>().beta, hard_sigmoid::kDefaultBeta);
      return ctx.add(std::move(L));
    }
    case OpKind::HardSwish: {
      LayerOut L = start(ctx, n, layer::HardSwish);
      L.set_float(hard_sigmoid::alpha, 1.f / 6.f);
      L.set_float(hard_sigmoid::beta, 0.5f);
      return ctx.add(std::move(L));
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
      return emit_binary(ctx, n);
    case OpKind::Gelu:
      return simple(layer::GELU);
    case OpKind::Sqrt: {
      LayerOut L = start(ctx, n, layer::UnaryOp);
      L.set_int(unaryop::op_type, unaryop::sqrt);
      return ctx.add(std::move(L));
    }
    case OpKind::LayerNorm:
      return emit_layer_norm(ctx, n);
    case OpKind::Transpose:
      return emit_transpose(ctx, n);
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool:
      return emit_pool(ctx, n);
    case OpKind::Softmax: {
      LayerOut L = start(ctx, n, layer::Softmax);
      L.set_int(softmax::axis, ncnn_axis(ctx, n, n.attr<ir::AxisAttrs>().axis), 0);
      L.set_int(softmax::fixbug0, 1);
      return ctx.add(std::move(L));
    }
    case OpKind::Flatten:
      if (n.attr<ir::AxisAttrs>().axis != 1) ctx.unsupported(n, "Flatten with axis other than 1");
      return simple(layer::Flatten);
    case OpKind::Reshape:
      return emit_reshape(ctx, n);
    case OpKind::Concat: {
      LayerOut L = start(ctx, n, layer::Concat);
      L.set_int(concat::axis, ncnn_axis(ctx, n, n.attr<ir::AxisAttrs>().axis), 0);
      return ctx.add(std::move(L));
    }
    case OpKind::Pad:
      return emit_pad(ctx, n);
    case OpKind::Dropout:
      return simple(layer::Dropout);
    case OpKind::Identity:
      return simple(layer::Noop);
    case OpKind::BatchNormalization:
      return emit_batchnorm(ctx, n);
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceSum:
      return emit_reduce(ctx, n);
    case OpKind::Slice:
      return emit_slice(ctx, n);
    case OpKind::Split:
      return emit_split(ctx, n);
    case OpKind::ShuffleChannel: {
      LayerOut L = start(ctx, n, layer::ShuffleChannel);
      L.set_int(shuffle_channel::group, static_cast<int>(n.attr<ir::ShuffleChannelAttrs>().group));
      return ctx.add(std::move(L));
    }
    default:
      ctx.unsupported(n, "this operation");
  }
}

}  // namespace qd::ncnn
