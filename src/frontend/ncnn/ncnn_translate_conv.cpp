// Convolution, ConvolutionDepthWise and InnerProduct: the weight-carrying (and int8) layers.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_schema.h"
#include "format/ncnn/ncnn_weight_bits.h"
#include "frontend/ncnn/ncnn_load_context.h"
#include "frontend/ncnn/ncnn_read_window.h"
#include "settings/deploy_target.h"

namespace qd::ncnn {
namespace {

// activation_type + activation_params -> fused activation (nullopt for none).
std::optional<ir::FusedActivation> read_activation(LoadContext& ctx, const LayerDesc& L, int type_id,
                                                   int params_id) {
  const int type = L.params.get_int(type_id, activation::none);
  const std::vector<float> p = L.params.get_floats(params_id);
  auto need = [&](size_t n) {
    if (p.size() < n)
      ctx.bad(L, "activation_type " + std::to_string(type) + " needs " + std::to_string(n) +
                     " activation_params, got " + std::to_string(p.size()));
  };
  ir::FusedActivation a;
  switch (type) {
    case activation::none:
      return std::nullopt;
    case activation::relu:
      a.kind = ir::OpKind::Relu;
      return a;
    case activation::leaky_relu:
      need(1);
      a.kind = ir::OpKind::LeakyRelu;
      a.alpha = p[0];
      return a;
    case activation::clip:
      need(2);
      a.kind = ir::OpKind::Clip;
      a.alpha = p[0];
      a.beta = p[1];
      return a;
    case activation::sigmoid:
      a.kind = ir::OpKind::Sigmoid;
      return a;
    case activation::hard_swish:
      need(2);
      if (std::fabs(p[0] - 1.f / 6.f) > 1e-6f || p[1] != 0.5f)
        ctx.unsupported(L, "fused HardSwish with alpha/beta other than 1/6, 0.5");
      a.kind = ir::OpKind::HardSwish;
      return a;
    default:
      ctx.unsupported(L, "fused activation_type " + std::to_string(type));
  }
}

// int8 layer scales as read from the .bin (ncnn multipliers).
struct Int8Scales {
  std::vector<float> weight;  // per output channel, per group, or one value
  float bottom = 0.f, top = 0.f;
};

// Weights of `shape` as an fp32 tensor. int8 blobs stay int8 in the mapped file: the tensor is their
// dequantization w = q * float step (per-output multipliers), made only if something reads it as fp32, and
// carries the int8 rows so that the int8 runtime takes them as they are; fp32/fp16 ones were read into their
// tensor (one copy).
Tensor weight_tensor(const TaggedBlob& w, Shape shape, const std::vector<float>& per_out, int max_abs_q) {
  if (!w.is_int8()) return w.f32.reshaped(std::move(shape));
  Int8Rows rows;
  rows.q = Tensor::view(DataType::i8, std::move(shape), const_cast<int8_t*>(w.i8.data()), w.mapping);
  for (float m : per_out) rows.steps.push_back(static_cast<float>(step_from_multiplier(m)));
  rows.max_abs_q = max_abs_q;
  return Tensor::dequantized_on_demand(std::move(rows));
}

void check_scales(LoadContext& ctx, const LayerDesc& L, const Int8Scales& s) {
  auto ok = [](float v) { return std::isfinite(v) && v > 0.f; };
  for (float v : s.weight)
    if (!ok(v) && v != 0.f)
      ctx.bad(L, "weight int8 scale " + std::to_string(v) + " is not a positive number");
  if (!ok(s.bottom)) ctx.bad(L, "bottom blob int8 scale " + std::to_string(s.bottom) + " is not positive");
}

// What a Convolution or InnerProduct stores in the .bin, in ncnn's order: weights, bias, and for int8
// layers (weight_scales > 0) the weight multipliers, the bottom blob scale and, when requantized, the top's.
struct WeightLayerBlobs {
  TaggedBlob w;
  std::vector<float> bias;
  Int8Scales s;
};

WeightLayerBlobs read_weight_layer_blobs(LoadContext& ctx, const LayerDesc& L, int wsize, int out_c,
                                         bool bias_term, size_t weight_scales, bool top_scale) {
  const std::string what = "layer '" + L.name + "'";
  WeightLayerBlobs b;
  b.w = ctx.bin.read_tagged(wsize, what + " weights");
  if (bias_term) b.bias = ctx.bin.read_raw(out_c, what + " bias");
  if (weight_scales > 0) {
    b.s.weight = ctx.bin.read_raw(weight_scales, what + " weight int8 scales");
    b.s.bottom = ctx.bin.read_raw(1, what + " bottom blob int8 scale")[0];
    if (top_scale) b.s.top = ctx.bin.read_raw(1, what + " top blob int8 scale")[0];
    check_scales(ctx, L, b.s);
    if (top_scale && !(std::isfinite(b.s.top) && b.s.top > 0.f))
      ctx.bad(L, "top blob int8 scale is not positive");
  } else if (b.w.is_int8()) {
    ctx.bad(L, "int8 weights without int8_scale_term");
  }
  return b;
}

// Fills model.quant for an int8 layer; `per_out` are the multipliers expanded per output channel (or one).
void record_quant(LoadContext& ctx, const std::string& node_name, const Int8Scales& s,
                  const std::vector<float>& per_out, int max_abs_q) {
  ir::LayerQuant q;
  q.input_scale = step_from_multiplier(s.bottom);
  for (float m : per_out) q.weight_scales.push_back(m > 0.f ? step_from_multiplier(m) : 0.0);
  const ir::Graph& g = ctx.model.graph;
  q.weight_bits = infer_weight_bits(g.node(static_cast<ir::NodeId>(g.nodes().size() - 1)), max_abs_q);
  q.output_scale = s.top > 0.f ? step_from_multiplier(s.top) : 0.0;
  ctx.model.quant.layers[node_name] = std::move(q);
}

// Resolves TF-style SAME padding (pad value -233/-234), which ncnn computes from the input size; without
// known input sizes only stride-1 layers have fixed pads.
void resolve_same_pads(LoadContext& ctx, const LayerDesc& L, ir::ConvAttrs& a, int pad_left) {
  if (a.pad_top != pad_left || a.pad_right != pad_left || a.pad_bottom != pad_left)
    ctx.unsupported(L, "mixed SAME and explicit padding");
  if (a.stride_h != 1 || a.stride_w != 1)
    ctx.unsupported(L, "SAME padding (pad " + std::to_string(pad_left) + ") with stride > 1");
  set_same_pads(a, pad_left == conv::kPadSameUpper, {a.dilation_h, a.dilation_w});
}

}  // namespace

void translate_convolution(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 1, 1);
  const ParamDict& pd = L.params;
  const bool depthwise = L.type == layer::ConvolutionDepthWise;
  const int out_c = pd.get_int(conv::num_output, 0);
  ir::ConvAttrs a;
  const WindowDilation dilation = read_window(pd, conv::window, a);
  a.dilation_h = dilation.h;
  a.dilation_w = dilation.w;
  const int pad_left = a.pad_left;  // as written: may be a SAME marker
  a.group = depthwise ? pd.get_int(conv::group, 1) : 1;
  const bool bias_term = pd.get_int(conv::bias_term, 0) != 0;
  const int wsize = pd.get_int(conv::weight_data_size, 0);
  const int term = pd.get_int(conv::int8_scale_term, 0);
  a.activation = read_activation(ctx, L, conv::activation_type, conv::activation_params);

  if (out_c <= 0 || a.kernel_w <= 0 || a.kernel_h <= 0 || a.stride_w <= 0 || a.stride_h <= 0 ||
      a.dilation_w <= 0 || a.dilation_h <= 0 || a.group <= 0)
    ctx.bad(L, "num_output, kernel, stride, dilation and group must be positive");
  if (pd.get_int(conv::dynamic_weight, 0) != 0) ctx.unsupported(L, "dynamic weights (param 19)");
  if (pd.get_float(conv::pad_value, 0.f) != 0.f) ctx.unsupported(L, "non-zero pad_value");
  if (pad_left == conv::kPadSameUpper || pad_left == conv::kPadSameLower)
    resolve_same_pads(ctx, L, a, pad_left);
  if (std::min({a.pad_left, a.pad_right, a.pad_top, a.pad_bottom}) < 0)
    ctx.unsupported(L, "negative padding");
  const int64_t per_out = static_cast<int64_t>(a.kernel_h) * a.kernel_w;
  if (wsize <= 0 || out_c % a.group != 0 || wsize % (static_cast<int64_t>(out_c) * per_out) != 0)
    ctx.bad(L, "weight_data_size " + std::to_string(wsize) + " does not match num_output " +
                   std::to_string(out_c) + ", kernel " + std::to_string(a.kernel_h) + "x" +
                   std::to_string(a.kernel_w) + " and group " + std::to_string(a.group));
  const int64_t in_per_group = wsize / (out_c * per_out);
  if (term != 0 && term != 1 && term != 2 && term != 101 && term != 102)
    ctx.unsupported(L, "int8_scale_term " + std::to_string(term));

  size_t n_weight = 0;  // int8 weight multipliers in the .bin
  if (term)
    n_weight = !depthwise ? out_c : term % conv::kRequantizeOffset == conv::kInt8PerGroup ? a.group : 1;
  WeightLayerBlobs blobs =
      read_weight_layer_blobs(ctx, L, wsize, out_c, bias_term, n_weight, term > conv::kRequantizeOffset);
  const TaggedBlob& w = blobs.w;
  const std::vector<float>& bias = blobs.bias;
  const Int8Scales& s = blobs.s;
  // Multipliers expanded per output channel (a single per-tensor scale stays single).
  std::vector<float> per_out_m;
  if (term) {
    if (s.weight.size() == static_cast<size_t>(out_c) || s.weight.size() == 1) {
      per_out_m = s.weight;
    } else {
      const int per_group = out_c / a.group;
      for (int o = 0; o < out_c; ++o) per_out_m.push_back(s.weight[o / per_group]);
    }
  }
  std::vector<float> expanded;
  if (w.is_int8()) {
    expanded = per_out_m;
    if (expanded.size() == 1) expanded.assign(out_c, per_out_m[0]);
    for (size_t o = 0; o < expanded.size(); ++o)
      if (!(expanded[o] > 0.f)) {
        bool all_zero = true;
        for (int64_t i = 0; i < in_per_group * per_out; ++i)
          all_zero &= w.i8[o * in_per_group * per_out + i] == 0;
        if (!all_zero) ctx.bad(L, "zero weight scale for a channel with non-zero int8 weights");
        expanded[o] = 1.f;  // all-zero channel: any scale dequantizes to 0
      }
  }

  ir::ValueId x = ctx.bottom(L, 0);
  Shape wshape{out_c, in_per_group, a.kernel_h, a.kernel_w};
  const int max_q = w.is_int8() ? max_abs_int8(w.i8) : 127;
  std::vector<ir::ValueId> ins{x,
                               ctx.constant(L.name + "_weight", weight_tensor(w, wshape, expanded, max_q))};
  if (bias_term) ins.push_back(ctx.constant(L.name + "_bias", Tensor::from<float>({out_c}, bias)));
  ctx.emit(L.name, ir::OpKind::Conv, ins, {ctx.top(L, 0)}, a);
  if (term) {
    record_quant(ctx, L.name, s, per_out_m, max_q);
    // Real ncnn dequantizes these with a reciprocal estimate; compute them as it does.
    ctx.model.quant.layers[L.name].dequant_reciprocal_estimate =
        is_ncnn_packed_int8_depthwise(conv_window_of(a), a.group * in_per_group, out_c);
  }
}

void translate_innerproduct(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 1, 1);
  const ParamDict& pd = L.params;
  const int out_n = pd.get_int(innerproduct::num_output, 0);
  const bool bias_term = pd.get_int(innerproduct::bias_term, 0) != 0;
  const int wsize = pd.get_int(innerproduct::weight_data_size, 0);
  const int term = pd.get_int(innerproduct::int8_scale_term, 0);
  ir::GemmAttrs a;
  a.trans_b = true;
  a.activation = read_activation(ctx, L, innerproduct::activation_type, innerproduct::activation_params);
  if (out_n <= 0 || wsize <= 0 || wsize % out_n != 0)
    ctx.bad(L, "weight_data_size " + std::to_string(wsize) + " is not a multiple of num_output " +
                   std::to_string(out_n));
  if (term != 0 && term != 1 && term != 2) ctx.unsupported(L, "int8_scale_term " + std::to_string(term));
  const int k = wsize / out_n;

  WeightLayerBlobs blobs = read_weight_layer_blobs(ctx, L, wsize, out_n, bias_term, term ? out_n : 0, false);
  const TaggedBlob& w = blobs.w;
  const std::vector<float>& bias = blobs.bias;
  const Int8Scales& s = blobs.s;
  std::vector<float> m;
  if (w.is_int8()) {
    m = s.weight;
    for (float& v : m)
      if (!(v > 0.f)) v = 1.f;
  }

  // ncnn's InnerProduct flattens its input itself; the IR makes that explicit.
  ir::ValueId x = ctx.bottom(L, 0);
  ir::ValueId flat = ctx.temp(L.name + "_flatten");
  ctx.emit(ctx.g().unique_node_name(L.name + "_flatten"), ir::OpKind::Flatten, {x}, {flat}, ir::AxisAttrs{1});
  const int max_q = w.is_int8() ? max_abs_int8(w.i8) : 127;
  std::vector<ir::ValueId> ins{flat,
                               ctx.constant(L.name + "_weight", weight_tensor(w, {out_n, k}, m, max_q))};
  if (bias_term) ins.push_back(ctx.constant(L.name + "_bias", Tensor::from<float>({out_n}, bias)));
  ctx.emit(L.name, ir::OpKind::Gemm, ins, {ctx.top(L, 0)}, a);
  if (term) record_quant(ctx, L.name, s, s.weight, max_q);
}

}  // namespace qd::ncnn
