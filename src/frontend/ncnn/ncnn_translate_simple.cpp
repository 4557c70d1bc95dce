// Weight-free layers (activations, element-wise, pooling, layout) plus BatchNorm, Scale, MemoryData.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/error.h"
#include "format/ncnn/ncnn_schema.h"
#include "frontend/ncnn/ncnn_load_context.h"
#include "frontend/ncnn/ncnn_read_window.h"

namespace qd::ncnn {
namespace {

using ir::OpKind;

ir::ValueId scalar(LoadContext& ctx, const std::string& base, float v) {
  return ctx.constant(base, Tensor::from<float>({}, std::span<const float>(&v, 1)));
}

// ncnn axes count dimensions of a per-image blob; the IR's include the batch.
int64_t ir_axis(int ncnn_axis) { return ncnn_axis >= 0 ? ncnn_axis + 1 : ncnn_axis; }

void unary(LoadContext& ctx, const LayerDesc& L, OpKind op, ir::Attrs attrs = {}) {
  ctx.expect_blob_counts(L, 1, 1);
  ir::ValueId x = ctx.bottom(L, 0);
  ctx.emit(L.name, op, {x}, {ctx.top(L, 0)}, std::move(attrs));
}

void translate_relu(LoadContext& ctx, const LayerDesc& L) {
  const float slope = L.params.get_float(relu::slope, 0.f);
  if (slope == 0.f) return unary(ctx, L, OpKind::Relu);
  unary(ctx, L, OpKind::LeakyRelu, ir::ActAttrs{slope, 0.f});
}

void translate_hard_swish(LoadContext& ctx, const LayerDesc& L) {
  const float alpha = L.params.get_float(hard_sigmoid::alpha, hard_sigmoid::kDefaultAlpha);
  const float beta = L.params.get_float(hard_sigmoid::beta, hard_sigmoid::kDefaultBeta);
  if (std::fabs(alpha - 1.f / 6.f) <= 1e-6f && beta == 0.5f) return unary(ctx, L, OpKind::HardSwish);
  // y = x * hardsigmoid(x; alpha, beta)
  ctx.expect_blob_counts(L, 1, 1);
  ir::ValueId x = ctx.bottom(L, 0);
  ir::ValueId hs = ctx.temp(L.name + "_hardsigmoid");
  ctx.emit(ctx.g().unique_node_name(L.name + "_hardsigmoid"), OpKind::HardSigmoid, {x}, {hs},
           ir::ActAttrs{alpha, beta});
  ctx.emit(L.name, OpKind::Mul, {x, hs}, {ctx.top(L, 0)});
}

void translate_binary_op(LoadContext& ctx, const LayerDesc& L) {
  const int type = L.params.get_int(binaryop::op_type, binaryop::add);
  const bool with_scalar = L.params.get_int(binaryop::with_scalar, 0) != 0;
  OpKind op;
  bool reversed = false;
  switch (type) {
    case binaryop::add:
      op = OpKind::Add;
      break;
    case binaryop::sub:
      op = OpKind::Sub;
      break;
    case binaryop::mul:
      op = OpKind::Mul;
      break;
    case binaryop::div:
      op = OpKind::Div;
      break;
    case binaryop::pow:
      op = OpKind::Pow;
      break;
    case binaryop::rsub:
      op = OpKind::Sub, reversed = true;
      break;
    case binaryop::rdiv:
      op = OpKind::Div, reversed = true;
      break;
    default:
      ctx.unsupported(L, "BinaryOp op_type " + std::to_string(type));
  }
  ctx.expect_blob_counts(L, with_scalar ? 1 : 2, 1);
  ir::ValueId a = ctx.bottom(L, 0);
  ir::ValueId b =
      with_scalar ? scalar(ctx, L.name + "_b", L.params.get_float(binaryop::b, 0.f)) : ctx.bottom(L, 1);
  if (reversed) std::swap(a, b);
  ctx.emit(L.name, op, {a, b}, {ctx.top(L, 0)});
}

void translate_eltwise(LoadContext& ctx, const LayerDesc& L) {
  const int type = L.params.get_int(eltwise::op_type, eltwise::prod);
  const std::vector<float> coeffs = L.params.get_floats(eltwise::coeffs);
  if (L.bottoms.size() < 2 || L.tops.size() != 1)
    ctx.bad(L, "Eltwise needs at least two bottoms and one top");
  if (type == eltwise::max) ctx.unsupported(L, "Eltwise max");
  if (type != eltwise::sum && type != eltwise::prod)
    ctx.unsupported(L, "Eltwise op_type " + std::to_string(type));
  const bool weighted = type == eltwise::sum && !coeffs.empty();
  if (weighted && coeffs.size() != L.bottoms.size()) ctx.bad(L, "coeffs count differs from the bottom count");
  const OpKind op = type == eltwise::sum ? OpKind::Add : OpKind::Mul;
  std::vector<ir::ValueId> terms;
  for (size_t i = 0; i < L.bottoms.size(); ++i) {
    ir::ValueId v = ctx.bottom(L, i);
    if (weighted && coeffs[i] != 1.f) {
      const std::string base = L.name + "_coeff" + std::to_string(i);
      ir::ValueId scaled = ctx.temp(base);
      ctx.emit(ctx.g().unique_node_name(base), OpKind::Mul, {v, scalar(ctx, base + "_c", coeffs[i])},
               {scaled});
      v = scaled;
    }
    terms.push_back(v);
  }
  ir::ValueId acc = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) {
    const bool last = i + 1 == terms.size();
    ir::ValueId out = last ? ctx.top(L, 0) : ctx.temp(L.name + "_partial" + std::to_string(i));
    ctx.emit(last ? L.name : ctx.g().unique_node_name(L.name + "_partial" + std::to_string(i)), op,
             {acc, terms[i]}, {out});
    acc = out;
  }
}

void translate_pooling(LoadContext& ctx, const LayerDesc& L) {
  const ParamDict& pd = L.params;
  const int type = pd.get_int(pooling::pooling_type, pooling::type_max);
  if (type != pooling::type_max && type != pooling::type_avg)
    ctx.unsupported(L, "pooling_type " + std::to_string(type));
  if (pd.get_int(pooling::adaptive_pooling, 0) != 0) ctx.unsupported(L, "adaptive pooling");
  const bool avg = type == pooling::type_avg;
  if (pd.get_int(pooling::global_pooling, 0) != 0)
    return unary(ctx, L, avg ? OpKind::GlobalAveragePool : OpKind::GlobalMaxPool);
  ir::PoolAttrs a;
  read_window(pd, pooling::window, a);
  if (a.kernel_w <= 0 || a.kernel_h <= 0 || a.stride_w <= 0 || a.stride_h <= 0)
    ctx.bad(L, "kernel and stride must be positive");
  const int mode = pd.get_int(pooling::pad_mode, pooling::mode_full);
  if (mode == pooling::mode_full || mode == pooling::mode_valid) {
    a.ceil_mode = mode == pooling::mode_full;
  } else if (mode == pooling::mode_same_upper || mode == pooling::mode_same_lower) {
    if (a.stride_w != 1 || a.stride_h != 1) ctx.unsupported(L, "SAME pad_mode with stride > 1");
    set_same_pads(a, mode == pooling::mode_same_upper);
  } else {
    ctx.unsupported(L, "pad_mode " + std::to_string(mode));
  }
  a.count_include_pad = avg && pd.get_int(pooling::avgpool_count_include_pad, 0) != 0;
  unary(ctx, L, avg ? OpKind::AveragePool : OpKind::MaxPool, a);
}

void translate_reshape(LoadContext& ctx, const LayerDesc& L) {
  const ParamDict& pd = L.params;
  if (pd.get_int(reshape::permute, 0) != 0) ctx.unsupported(L, "Reshape with permute=1");
  const int w = pd.get_int(reshape::w, kUnset), h = pd.get_int(reshape::h, kUnset),
            d = pd.get_int(reshape::d, kUnset), c = pd.get_int(reshape::c, kUnset);
  if (w == kUnset) ctx.unsupported(L, "Reshape without a target shape (shape from a second input)");
  // ncnn dims from outermost: c, d, h, w; the IR adds the batch (0 = keep it).
  std::vector<int64_t> shape{0};
  if (c != kUnset) shape.push_back(c);
  if (d != kUnset) {
    if (c == kUnset) ctx.bad(L, "Reshape d is set without c");
    shape.push_back(d);
  }
  if (h != kUnset)
    shape.push_back(h);
  else if (c != kUnset || d != kUnset)
    ctx.bad(L, "Reshape c is set without h");
  shape.push_back(w);
  unary(ctx, L, OpKind::Reshape, ir::ReshapeAttrs{shape});
}

void translate_padding_layer(LoadContext& ctx, const LayerDesc& L) {
  const ParamDict& pd = L.params;
  if (pd.get_int(padding::per_channel_pad_data_size, 0) != 0) ctx.unsupported(L, "per-channel pad values");
  ir::PadAttrs a;
  const int type = pd.get_int(padding::type, padding::type_constant);
  if (type == padding::type_constant)
    a.mode = ir::PadMode::constant;
  else if (type == padding::type_replicate)
    a.mode = ir::PadMode::edge;
  else if (type == padding::type_reflect)
    a.mode = ir::PadMode::reflect;
  else
    ctx.unsupported(L, "padding type " + std::to_string(type));
  a.value = pd.get_float(padding::value, 0.f);
  a.pads = {0, pd.get_int(padding::front, 0),  pd.get_int(padding::top, 0),    pd.get_int(padding::left, 0),
            0, pd.get_int(padding::behind, 0), pd.get_int(padding::bottom, 0), pd.get_int(padding::right, 0)};
  unary(ctx, L, OpKind::Pad, a);
}

void translate_dropout(LoadContext& ctx, const LayerDesc& L) {
  const float s = L.params.get_float(dropout::scale, 1.f);
  if (s == 1.f) return unary(ctx, L, OpKind::Dropout);
  ctx.expect_blob_counts(L, 1, 1);
  ir::ValueId x = ctx.bottom(L, 0);
  ctx.emit(L.name, OpKind::Mul, {x, scalar(ctx, L.name + "_scale", s)}, {ctx.top(L, 0)});
}

void translate_batchnorm(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 1, 1);
  const int c = L.params.get_int(batchnorm::channels, 0);
  if (c <= 0) ctx.bad(L, "channels must be positive");
  const std::string what = "layer '" + L.name + "'";
  const char* names[] = {"slope", "mean", "variance", "bias"};
  std::vector<ir::ValueId> v;
  for (const char* n : names)
    v.push_back(
        ctx.constant(L.name + "_" + n, Tensor::from<float>({c}, ctx.bin.read_raw(c, what + " " + n))));
  ir::ValueId x = ctx.bottom(L, 0);
  // IR order: X, scale, bias, mean, var
  ctx.emit(L.name, OpKind::BatchNormalization, {x, v[0], v[3], v[1], v[2]}, {ctx.top(L, 0)},
           ir::BatchNormAttrs{L.params.get_float(batchnorm::eps, 0.f)});
}

void translate_scale_layer(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 1, 1);
  const int n = L.params.get_int(scale::scale_data_size, 0);
  if (n == kUnset) ctx.unsupported(L, "Scale with the scale from a second input");
  if (n <= 0) ctx.bad(L, "scale_data_size must be positive");
  const bool bias = L.params.get_int(scale::bias_term, 0) != 0;
  const std::string what = "layer '" + L.name + "'";
  ir::ValueId s =
      ctx.constant(L.name + "_scale", Tensor::from<float>({n, 1, 1}, ctx.bin.read_raw(n, what + " scale")));
  ir::ValueId x = ctx.bottom(L, 0);
  if (!bias) return ctx.emit(L.name, OpKind::Mul, {x, s}, {ctx.top(L, 0)});
  ir::ValueId b =
      ctx.constant(L.name + "_bias", Tensor::from<float>({n, 1, 1}, ctx.bin.read_raw(n, what + " bias")));
  ir::ValueId scaled = ctx.temp(L.name + "_scaled");
  ctx.emit(L.name, OpKind::Mul, {x, s}, {scaled});
  ctx.emit(ctx.g().unique_node_name(L.name + "_bias"), OpKind::Add, {scaled, b}, {ctx.top(L, 0)});
}

// A constant blob; shape [c, (d,) h, w] without batch so it broadcasts against NCHW values.
void translate_memory_data(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 0, 1);
  const int w = L.params.get_int(input::w, 0), h = L.params.get_int(input::h, 0),
            d = L.params.get_int(input::d, 0), c = L.params.get_int(input::c, 0);
  Shape shape;
  if (c > 0) shape.push_back(c);
  if (d > 0) shape.push_back(d);
  if (h > 0) shape.push_back(h);
  if (w > 0) shape.push_back(w);
  if (shape.empty() || w <= 0) ctx.bad(L, "MemoryData needs a positive w");
  auto data = ctx.bin.read_raw(shape_numel(shape), "layer '" + L.name + "' data");
  ctx.blobs[L.tops[0]] = ctx.g().add_constant(L.tops[0], Tensor::from<float>(shape, data));
}

void translate_layer_norm(LoadContext& ctx, const LayerDesc& L) {
  ctx.expect_blob_counts(L, 1, 1);
  const int n = L.params.get_int(layernorm::affine_size, 0);
  if (n <= 0) ctx.bad(L, "affine_size must be positive");
  const std::string what = "layer '" + L.name + "'";
  std::vector<float> gamma(n, 1.f), beta(n, 0.f);
  if (L.params.get_int(layernorm::affine, 1) != 0) {
    gamma = ctx.bin.read_raw(n, what + " gamma");
    beta = ctx.bin.read_raw(n, what + " beta");
  }
  ir::ValueId x = ctx.bottom(L, 0);
  ir::ValueId g = ctx.constant(L.name + "_gamma", Tensor::from<float>({n}, gamma));
  ir::ValueId b = ctx.constant(L.name + "_beta", Tensor::from<float>({n}, beta));
  // ncnn normalises each row (w); affine_size = w*h (whole channels) is read as the last two axes and
  // rejected by shape inference when the sizes disagree.
  ctx.emit(L.name, OpKind::LayerNorm, {x, g, b}, {ctx.top(L, 0)},
           ir::LayerNormAttrs{-1, 1, L.params.get_float(layernorm::eps, layernorm::kDefaultEps)});
}

void translate_permute(LoadContext& ctx, const LayerDesc& L) {
  const int t = L.params.get_int(permute::order_type, 0);
  if (t < 0 || t >= permute::kNumOrders) ctx.unsupported(L, "Permute order_type " + std::to_string(t));
  std::vector<int64_t> perm(std::begin(permute::kPerm[t]), std::end(permute::kPerm[t]));
  unary(ctx, L, OpKind::Transpose, ir::AxesAttrs{perm});
}

void translate_unary_op(LoadContext& ctx, const LayerDesc& L) {
  const int t = L.params.get_int(unaryop::op_type, 0);
  if (t != unaryop::sqrt) ctx.unsupported(L, "UnaryOp op_type " + std::to_string(t));
  unary(ctx, L, OpKind::Sqrt);
}

void translate_reduction(LoadContext& ctx, const LayerDesc& L) {
  const ParamDict& pd = L.params;
  const int op = pd.get_int(reduction::operation, reduction::op_sum);
  const OpKind kind = op == reduction::op_mean  ? OpKind::ReduceMean
                      : op == reduction::op_max ? OpKind::ReduceMax
                      : op == reduction::op_sum ? OpKind::ReduceSum
                                                : OpKind::Identity;
  if (kind == OpKind::Identity) ctx.unsupported(L, "Reduction operation " + std::to_string(op));
  if (pd.get_float(reduction::coeff, 1.f) != 1.f) ctx.unsupported(L, "Reduction with coeff other than 1");
  if (pd.get_int(reduction::reduce_all, 1) != 0) ctx.unsupported(L, "Reduction with reduce_all=1");
  const std::vector<int> axes = pd.get_ints(reduction::axes);
  if (axes.empty()) ctx.bad(L, "Reduction without axes");
  if (pd.get_int(reduction::fixbug0, 0) == 0) ctx.bad(L, "Reduction axes without fixbug0=1 (old numbering)");
  ir::ReduceAttrs a;
  a.keepdims = pd.get_int(reduction::keepdims, 0) != 0;
  for (int ax : axes) {
    if (ax < 0) ctx.unsupported(L, "negative Reduction axes");
    a.axes.push_back(ir_axis(ax));
  }
  std::sort(a.axes.begin(), a.axes.end());
  unary(ctx, L, kind, a);
}

// Numpy-style Crop (starts/ends/axes arrays) -> Slice; ncnn reads an end <= 0 as counted from the end.
void translate_crop(LoadContext& ctx, const LayerDesc& L) {
  const ParamDict& pd = L.params;
  const std::vector<int> starts = pd.get_ints(crop::starts), ends = pd.get_ints(crop::ends),
                         axes = pd.get_ints(crop::axes);
  if (starts.empty() || ends.empty()) ctx.unsupported(L, "Crop without numpy-style starts/ends");
  if (starts.size() != ends.size() || axes.size() != starts.size())
    ctx.bad(L, "Crop starts, ends and axes differ in length");
  ir::SliceAttrs a;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || starts[i] < 0 || ends[i] <= 0)
      ctx.unsupported(L, "Crop with negative axes, starts or ends");
    a.axes.push_back(ir_axis(axes[i]));
    a.starts.push_back(starts[i] == kUnset ? 0 : starts[i]);
    a.ends.push_back(ends[i]);
    a.steps.push_back(1);
  }
  unary(ctx, L, OpKind::Slice, a);
}

// ncnn Slice (several tops) -> Split with explicit sizes.
void translate_slice_layer(LoadContext& ctx, const LayerDesc& L) {
  const std::vector<int> slices = L.params.get_ints(slice::slices);
  if (!L.params.get_ints(slice::indices).empty()) ctx.unsupported(L, "Slice with indices");
  if (L.bottoms.size() != 1 || L.tops.empty() || slices.size() != L.tops.size())
    ctx.bad(L, "Slice needs one bottom and one top per slice");
  ir::SplitAttrs a;
  a.axis = ir_axis(L.params.get_int(slice::axis, 0));
  if (a.axis < 0) ctx.unsupported(L, "Slice along a negative axis");
  for (int s : slices) {
    if (s <= 0) ctx.unsupported(L, "Slice sizes that are not explicit and positive");
    a.sizes.push_back(s);
  }
  ir::ValueId x = ctx.bottom(L, 0);
  std::vector<ir::ValueId> outs;
  for (size_t i = 0; i < L.tops.size(); ++i) outs.push_back(ctx.top(L, i));
  ctx.emit(L.name, OpKind::Split, {x}, outs, a);
}

void translate_shuffle_channel(LoadContext& ctx, const LayerDesc& L) {
  if (L.params.get_int(shuffle_channel::reverse, 0) != 0) ctx.unsupported(L, "ShuffleChannel with reverse=1");
  const int group = L.params.get_int(shuffle_channel::group, 1);
  if (group <= 0) ctx.bad(L, "group must be positive");
  unary(ctx, L, OpKind::ShuffleChannel, ir::ShuffleChannelAttrs{group});
}

}  // namespace

bool translate_simple_layer(LoadContext& ctx, const LayerDesc& L) {
  const std::string& t = L.type;
  if (t == layer::ReLU)
    translate_relu(ctx, L);
  else if (t == layer::Clip)
    unary(ctx, L, OpKind::Clip,
          ir::ActAttrs{L.params.get_float(clip::min, -FLT_MAX), L.params.get_float(clip::max, FLT_MAX)});
  else if (t == layer::Sigmoid)
    unary(ctx, L, OpKind::Sigmoid);
  else if (t == layer::HardSigmoid)
    unary(ctx, L, OpKind::HardSigmoid,
          ir::ActAttrs{L.params.get_float(hard_sigmoid::alpha, hard_sigmoid::kDefaultAlpha),
                       L.params.get_float(hard_sigmoid::beta, hard_sigmoid::kDefaultBeta)});
  else if (t == layer::HardSwish)
    translate_hard_swish(ctx, L);
  else if (t == layer::Swish)
    unary(ctx, L, OpKind::Swish);
  else if (t == layer::BinaryOp)
    translate_binary_op(ctx, L);
  else if (t == layer::Eltwise)
    translate_eltwise(ctx, L);
  else if (t == layer::Pooling)
    translate_pooling(ctx, L);
  else if (t == layer::Softmax)
    unary(ctx, L, OpKind::Softmax, ir::AxisAttrs{ir_axis(L.params.get_int(softmax::axis, 0))});
  else if (t == layer::Flatten)
    unary(ctx, L, OpKind::Flatten, ir::AxisAttrs{1});
  else if (t == layer::Reshape)
    translate_reshape(ctx, L);
  else if (t == layer::Concat) {
    if (L.bottoms.empty() || L.tops.size() != 1) ctx.bad(L, "Concat needs bottoms and one top");
    std::vector<ir::ValueId> in;
    for (size_t i = 0; i < L.bottoms.size(); ++i) in.push_back(ctx.bottom(L, i));
    ctx.emit(L.name, OpKind::Concat, in, {ctx.top(L, 0)},
             ir::AxisAttrs{ir_axis(L.params.get_int(concat::axis, 0))});
  } else if (t == layer::Padding)
    translate_padding_layer(ctx, L);
  else if (t == layer::Dropout)
    translate_dropout(ctx, L);
  else if (t == layer::Noop)
    unary(ctx, L, OpKind::Identity);
  else if (t == layer::BatchNorm)
    translate_batchnorm(ctx, L);
  else if (t == layer::Scale)
    translate_scale_layer(ctx, L);
  else if (t == layer::MemoryData)
    translate_memory_data(ctx, L);
  else if (t == layer::GELU) {
    if (L.params.get_int(gelu::fast_gelu, 0) != 0) ctx.unsupported(L, "GELU with fast_gelu=1");
    unary(ctx, L, OpKind::Gelu);
  } else if (t == layer::LayerNorm)
    translate_layer_norm(ctx, L);
  else if (t == layer::Permute)
    translate_permute(ctx, L);
  else if (t == layer::UnaryOp)
    translate_unary_op(ctx, L);
  else if (t == layer::Reduction)
    translate_reduction(ctx, L);
  else if (t == layer::Crop)
    translate_crop(ctx, L);
  else if (t == layer::Slice)
    translate_slice_layer(ctx, L);
  else if (t == layer::ShuffleChannel)
    translate_shuffle_channel(ctx, L);
  else
    return false;
  return true;
}

}  // namespace qd::ncnn
