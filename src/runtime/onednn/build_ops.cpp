// Builders for the non-conv ops of the oneDNN executor, and the group dispatch.
#include <algorithm>
#include <cmath>

#include "ir/axis.h"
#include "runtime/cpu_isa.h"
#include "runtime/onednn/batchnorm_relu_quantize.h"
#include "runtime/onednn/channel_scale_quantize_step.h"
#include "runtime/onednn/concat_batchnorm_relu.h"
#include "runtime/onednn/concat_nhwc.h"
#include "runtime/onednn/concat_shuffle.h"
#include "runtime/onednn/executor_impl.h"

namespace qd::runtime::onednn {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

void append_activation(dnnl::post_ops& po, const ir::FusedActivation& act) {
  switch (act.kind) {
    case ir::OpKind::Relu:
      po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      return;
    case ir::OpKind::LeakyRelu:
      po.append_eltwise(1.f, algorithm::eltwise_relu, act.alpha, 0.f);
      return;
    case ir::OpKind::Clip:
      po.append_eltwise(1.f, algorithm::eltwise_clip, act.alpha, act.beta);
      return;
    case ir::OpKind::Sigmoid:
      po.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      return;
    case ir::OpKind::HardSigmoid:  // no hardsigmoid in oneDNN 2.6: alpha*x+beta, then clip to [0,1]
      po.append_eltwise(1.f, algorithm::eltwise_linear, act.alpha, act.beta);
      po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 1.f);
      return;
    case ir::OpKind::HardSwish:  // oneDNN 2.6: x * relu6(x + 3) / 6, the ONNX definition
      po.append_eltwise(1.f, algorithm::eltwise_hardswish, 0.f, 0.f);
      return;
    case ir::OpKind::Swish:  // x * sigmoid(alpha * x), alpha 1
      po.append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f);
      return;
    case ir::OpKind::Gelu:  // the exact (erf) GELU, as build_eltwise
      po.append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f);
      return;
    default:
      fail_internal("append_activation: not an activation");
  }
}

void OneDnnExecutor::build_group(const FusedGroup& grp) {
  const ir::Node& n = graph_.node(grp.anchor);
  if (const char* how = written_before_[grp.anchor]) {
    summary_ += std::string(ir::op_name(n.op)) + " " + n.name + " " + how + " before it\n";
    return;
  }
  bool done = false;
  try {
    switch (n.op) {
      case ir::OpKind::Conv:
        done = build_conv(grp);
        break;
      case ir::OpKind::Gemm:
        done = build_gemm(grp);
        break;
      case ir::OpKind::MaxPool:
      case ir::OpKind::AveragePool:
      case ir::OpKind::GlobalAveragePool:
      case ir::OpKind::GlobalMaxPool:
        done = build_pool(n);
        break;
      case ir::OpKind::Relu:
      case ir::OpKind::Clip:
      case ir::OpKind::LeakyRelu:
      case ir::OpKind::Sigmoid:
      case ir::OpKind::HardSwish:
      case ir::OpKind::Swish:
      case ir::OpKind::Gelu:
      case ir::OpKind::Sqrt:
        done = build_eltwise(n);
        break;
      case ir::OpKind::Mul:
        // An SE scaling folded into the next conv's weights runs there (build_conv).
        done = folded_of_value_[n.outputs.at(0)] >= 0 || build_binary(n);
        break;
      case ir::OpKind::Add:
      case ir::OpKind::Sub:
      case ir::OpKind::Div:
        done = build_binary(n);
        break;
      case ir::OpKind::BatchNormalization:
        done = build_batchnorm(grp);
        break;
      case ir::OpKind::Softmax:
        done = build_softmax(n);
        break;
      case ir::OpKind::LayerNorm:
        done = build_layer_norm(n);
        break;
      case ir::OpKind::Transpose:
        done = build_transpose(n);
        break;
      case ir::OpKind::Concat:
        done = grp.batchnorm >= 0 ? build_concat_batchnorm_relu(grp)
               : grp.shuffle >= 0 ? build_concat_shuffle(grp)
                                  : build_concat(n);
        break;
      case ir::OpKind::Slice:
      case ir::OpKind::Split:
        done = build_slice(n);
        break;
      case ir::OpKind::ShuffleChannel:
        done = build_shuffle_channel(n);
        break;
      case ir::OpKind::ReduceMean:
      case ir::OpKind::ReduceMax:
        done = build_reduce(n);
        break;
      case ir::OpKind::Flatten:
      case ir::OpKind::Reshape:
      case ir::OpKind::Squeeze:
      case ir::OpKind::Unsqueeze:
      case ir::OpKind::Identity:
      case ir::OpKind::Dropout:
        done = build_alias(n);
        break;
      default:
        break;
    }
  } catch (const dnnl::error& e) {
    // oneDNN has no implementation for this configuration: the builders create the primitive
    // descriptor before touching the plan, so a single node can fall back to the reference kernel.
    if (grp.members.size() > 1)
      fail_unsupported(
          "", "node '" + n.name + "': oneDNN cannot run this fused configuration (" + e.what() + ")");
    done = false;
  }
  if (!done) {
    QD_CHECK(grp.members.size() == 1, "fused group of '" + n.name + "' could not be built");
    build_reference(n);
    summary_ += "reference " + n.name + "\n";
  } else if (n.op == ir::OpKind::Mul && folded_of_value_[n.outputs.at(0)] >= 0) {
    summary_ += "Mul " + n.name + " folded into the next conv's weights\n";
  } else if (n.op != ir::OpKind::Conv &&
             !(n.op == ir::OpKind::Concat && (grp.batchnorm >= 0 || grp.shuffle >= 0))) {
    const bool int8_out = grp.output != ir::kNoValue && values_[grp.output].int8_step > 0.f;
    summary_ += std::string(ir::op_name(n.op)) + " " + n.name + (grp.members.size() > 1 ? " +fused" : "") +
                (int8_out ? " ->int8" : "") + "\n";
  }
}

void OneDnnExecutor::build_reference(const ir::Node& n) {
  std::vector<ReferenceStep::Input> ins;
  for (ir::ValueId v : n.inputs) {
    ReferenceStep::Input in;
    if (v != ir::kNoValue) {
      const ir::Value& val = graph_.value(v);
      if (val.is_constant()) {
        in.constant = val.constant;
      } else {
        in.shape = val.shape;
        in.buffer = value_as(v, plain_md(val.shape)).buffer;
      }
    }
    ins.push_back(std::move(in));
  }
  std::vector<int> outs;
  for (ir::ValueId o : n.outputs)
    outs.push_back(o == ir::kNoValue ? -1 : define_value(o, plain_md(graph_.value(o).shape)).buffer);
  steps_.push_back(
      std::make_unique<ReferenceStep>(graph_, n, std::move(ins), std::move(outs), quant_of(n), int8_mode_));
}

bool OneDnnExecutor::build_alias(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0);
  if (graph_.value(x).is_constant()) return false;
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (n.outputs[i] != ir::kNoValue && !graph_.consumers(n.outputs[i]).empty())
      return false;  // Dropout mask
  const MemRef in = value_as(x, plain_md(graph_.value(x).shape));
  const ir::ValueId o = n.outputs.at(0);
  if (graph_.is_graph_output(o) && graph_.is_graph_output(x)) return false;  // keep two distinct buffers
  define_value(o, plain_md(graph_.value(o).shape), in.buffer);
  return true;
}

bool OneDnnExecutor::build_pool(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  const Shape& xs = graph_.value(x).shape;
  const Shape& ys = graph_.value(y).shape;
  if (xs.size() != 4 || graph_.value(x).is_constant()) return false;
  ir::PoolAttrs a;
  algorithm alg;
  if (n.op == ir::OpKind::GlobalAveragePool || n.op == ir::OpKind::GlobalMaxPool) {
    a.kernel_h = static_cast<int>(xs[2]);
    a.kernel_w = static_cast<int>(xs[3]);
    alg = n.op == ir::OpKind::GlobalMaxPool ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
  } else {
    a = n.attr<ir::PoolAttrs>();
    alg = n.op == ir::OpKind::MaxPool ? algorithm::pooling_max
          : a.count_include_pad       ? algorithm::pooling_avg_include_padding
                                      : algorithm::pooling_avg_exclude_padding;
  }
  // Right/bottom padding that makes oneDNN's floor formula give the IR's (possibly ceil-mode) size.
  const int64_t pb = (ys[2] - 1) * a.stride_h + a.kernel_h - xs[2] - a.pad_top;
  const int64_t pr = (ys[3] - 1) * a.stride_w + a.kernel_w - xs[3] - a.pad_left;
  if (pb < 0 || pr < 0) return false;
  // With include-padding, ceil-mode windows past the declared padding must not count: reference only.
  if (alg == algorithm::pooling_avg_include_padding && (pb > a.pad_bottom || pr > a.pad_right)) return false;
  memory::dims dst_dims(ys.begin(), ys.end());
  // A max pool read only by int8 convs with one step pools their q values (see int8_consumer_step).
  const float step = n.op == ir::OpKind::MaxPool ? int8_consumer_step(y) : 0.f;
  const auto q_type = non_negative(y) ? memory::data_type::u8 : memory::data_type::s8;
  const memory::desc src_md = step > 0.f ? with_type(values_[x].md, q_type) : values_[x].md;
  auto pd = dnnl::pooling_forward::primitive_desc(
      dnnl::pooling_forward::desc(
          prop_kind::forward_inference, alg, src_md,
          memory::desc(dst_dims, step > 0.f ? q_type : memory::data_type::f32, memory::format_tag::any),
          {a.stride_h, a.stride_w}, {a.kernel_h, a.kernel_w}, {a.pad_top, a.pad_left}, {pb, pr}),
      eng_);
  const MemRef src = step > 0.f ? quantized_as(x, pd.src_desc(), step) : value_as(x, pd.src_desc());
  const MemRef dst = define_value(y, pd.dst_desc());
  if (step > 0.f) values_[y].int8_step = step;
  add_primitive(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return true;
}

bool OneDnnExecutor::build_eltwise(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  if (graph_.value(x).is_constant()) return false;
  algorithm alg;
  float scale, alpha = 0.f, beta = 0.f;
  if (n.op == ir::OpKind::Gelu) {
    alg = algorithm::eltwise_gelu_erf;  // the exact (erf) GELU, as PyTorch's default
  } else if (n.op == ir::OpKind::Sqrt) {
    alg = algorithm::eltwise_sqrt;
  } else {
    const ir::FusedActivation act = standalone_activation(n);
    if (act.kind == ir::OpKind::HardSigmoid) return false;  // two oneDNN ops; the reference kernel is fine
    dnnl::post_ops po;
    append_activation(po, act);
    po.get_params_eltwise(0, scale, alg, alpha, beta);
  }
  auto pd = dnnl::eltwise_forward::primitive_desc(
      dnnl::eltwise_forward::desc(prop_kind::forward_inference, alg, values_[x].md, alpha, beta), eng_);
  const MemRef src = value_as(x, pd.src_desc());
  const MemRef dst = define_value(y, pd.dst_desc());
  add_primitive(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return true;
}

bool OneDnnExecutor::build_binary(const ir::Node& n) {
  const ir::ValueId y = n.outputs.at(0);
  const Shape& out = graph_.value(y).shape;
  ir::ValueId a = n.inputs.at(0), b = n.inputs.at(1);
  auto full = [&](ir::ValueId v) { return !graph_.value(v).is_constant() && graph_.value(v).shape == out; };
  if (!full(a)) {
    const bool commutative = n.op == ir::OpKind::Add || n.op == ir::OpKind::Mul;
    if (!full(b) || !commutative) return false;
    std::swap(a, b);
  }
  const algorithm alg = n.op == ir::OpKind::Add   ? algorithm::binary_add
                        : n.op == ir::OpKind::Sub ? algorithm::binary_sub
                        : n.op == ir::OpKind::Mul ? algorithm::binary_mul
                                                  : algorithm::binary_div;
  const Shape& bs = graph_.value(b).shape;
  const bool b_full = full(b);
  Shape bx(out.size() - bs.size(), 1);  // b's shape with leading 1s to the output rank
  bx.insert(bx.end(), bs.begin(), bs.end());
  const bool same_rank = bs.size() == out.size();
  // src0 (and dst) stay in src0's layout unless oneDNN has no jit kernel for it: 2.6 runs a blocked src0 with
  // a plain broadcast src1 (SE blocks' x * scale[N,C,1,1]), and nChw8c at all on AVX-512, in its reference
  // kernel, 10-100x slower than a reorder of src0 plus the jit kernel. A broadcast src1 of src0's rank takes
  // src0's layout.
  std::vector<memory::desc> layouts = {values_[a].md};
  if (!b_full && same_rank && out.size() == 4)
    for (auto t : {memory::format_tag::nChw16c, memory::format_tag::nhwc, memory::format_tag::nchw})
      layouts.emplace_back(values_[a].md.dims(), values_[a].md.data_type(), t);
  // Read only by int8 convs with one input step (SE blocks' x * scale before the projection conv): emit
  // q = clamp(y / step) as s8/u8 in the same primitive instead of an f32 tensor and a quantize step.
  const float out_step = int8_consumer_step(y);
  const bool out_u8 = out_step > 0.f && non_negative(y);
  dnnl::primitive_attr attr;
  if (out_step > 0.f) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_linear, 1.f / out_step, 0.f);
    po.append_eltwise(1.f, algorithm::eltwise_clip_v2, out_u8 ? 0.f : -127.f, 127.f);
    attr.set_post_ops(po);
  }
  const auto dst_dt = out_step == 0.f ? memory::data_type::f32
                      : out_u8        ? memory::data_type::u8
                                      : memory::data_type::s8;
  // An SE block's x * scale[c] on an nhwc f32 x at batch 1: our one-pass kernel, same bytes as oneDNN's.
  const memory::desc a_nhwc =
      out.size() == 4 ? memory::desc(values_[a].md.dims(), memory::data_type::f32, memory::format_tag::nhwc)
                      : memory::desc();
  if (alg == algorithm::binary_mul && out_step > 0.f && !b_full && same_rank && out.size() == 4 &&
      out[0] == 1 && bx[0] == 1 && bx[1] == out[1] && bx[2] == 1 && bx[3] == 1 &&
      !graph_.value(b).is_constant() && values_[a].md == a_nhwc && channel_scale_quantize_available()) {
    const MemRef src = value_ref(a), scale = channel_vector(b);
    const MemRef dst = define_value(y, with_type(a_nhwc, dst_dt));
    values_[y].int8_step = out_step;
    steps_.push_back(std::make_unique<ChannelScaleQuantizeStep>(src.buffer, scale.buffer, dst.buffer,
                                                                out[2] * out[3], out[1], out_step, out_u8));
    return true;
  }
  memory::desc src0_md, src1_md;
  dnnl::binary::primitive_desc pd;
  auto make_pd = [&](const memory::desc& layout) {
    src0_md = layout;
    src1_md = b_full ? src0_md : same_rank ? broadcast_md_like(src0_md, bx) : plain_md(bx);
    pd = dnnl::binary::primitive_desc(dnnl::binary::desc(alg, src0_md, src1_md, with_type(src0_md, dst_dt)),
                                      attr, eng_);
  };
  for (const memory::desc& layout : layouts) {
    make_pd(layout);
    if (!onednn_reference_kernel(pd.impl_info_str())) break;
    if (&layout == &layouts.back()) make_pd(layouts.front());  // no jit kernel for any: no reorder
  }
  const MemRef src0 = value_as(a, src0_md);
  MemRef src1;
  if (b_full) {
    src1 = value_as(b, src0_md);
  } else if (graph_.value(b).is_constant()) {
    src1 = {src1_md, -1, constant_memory(graph_.value(b).constant.reshaped(bx), src1_md)};
  } else if (same_rank) {
    src1 = value_as(b, src1_md);
  } else {
    src1 = value_as(b, plain_md(bs));
    src1.md = src1_md;  // same bytes, rank expanded
  }
  const MemRef dst = define_value(y, pd.dst_desc());
  if (out_step > 0.f) values_[y].int8_step = out_step;
  add_primitive(dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
  return true;
}

// A BatchNormalization that did not fold into a convolution (DenseNet's BN after a concat, pre-activation
// blocks): oneDNN's inference batch normalization with the model's statistics, in the input's layout, with
// a following Relu fused (fuse_groups).
bool OneDnnExecutor::build_batchnorm(const FusedGroup& grp) {
  const ir::Node& n = graph_.node(grp.anchor);
  const ir::ValueId x = n.inputs.at(0), y = grp.output;
  if (graph_.value(x).is_constant() || values_[x].md.data_type() != memory::data_type::f32) return false;
  if (graph_.value(x).shape.size() < 2) return false;
  for (size_t i = 1; i < 5; ++i)
    if (!graph_.value(n.inputs.at(i)).is_constant()) return false;
  const bool relu = !grp.pre_sum.empty();
  if (relu && graph_.value(x).shape.size() == 4) {
    if (const float step = int8_consumer_step(y); step > 0.f && build_batchnorm_relu_u8(grp, step))
      return true;
  }
  auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
               dnnl::normalization_flags::use_shift;
  if (relu) flags |= dnnl::normalization_flags::fuse_norm_relu;
  auto pd = dnnl::batch_normalization_forward::primitive_desc(
      dnnl::batch_normalization_forward::desc(prop_kind::forward_inference, values_[x].md,
                                              n.attr<ir::BatchNormAttrs>().epsilon, flags),
      eng_);
  const memory::desc per_channel = plain_md({graph_.value(x).shape[1]});
  auto param = [&](size_t input) -> MemRef {
    return {per_channel, -1, constant_memory(graph_.value(n.inputs.at(input)).constant, per_channel)};
  };
  const MemRef src = value_ref(x);
  const MemRef dst = define_value(y, pd.dst_desc());
  add_primitive(dnnl::batch_normalization_forward(pd), {{DNNL_ARG_SRC, src},
                                                        {DNNL_ARG_SCALE, param(1)},
                                                        {DNNL_ARG_SHIFT, param(2)},
                                                        {DNNL_ARG_MEAN, param(3)},
                                                        {DNNL_ARG_VARIANCE, param(4)},
                                                        {DNNL_ARG_DST, dst}});
  return true;
}

// The per-channel statistics of a BatchNormalization with `C` channels, inv_std as the reference computes it.
bool OneDnnExecutor::batchnorm_channels(const ir::Node& n, int64_t C, BatchNormChannels* ch) const {
  for (auto [input, dst] : {std::pair{1, &ch->gamma}, {2, &ch->beta}, {3, &ch->mean}, {4, &ch->inv_std}}) {
    const Tensor t = graph_.value(n.inputs.at(input)).constant.to_f32();
    if (t.numel() != C) return false;
    dst->assign(t.data<float>(), t.data<float>() + C);
  }
  const float eps = n.attr<ir::BatchNormAttrs>().epsilon;
  for (float& v : ch->inv_std) v = 1.f / std::sqrt(v + eps);
  return true;
}

// Concat + BatchNormalization + Relu (a fuse_groups group): one pass writing NHWC, u8 for int8 readers with
// one input step, else fp32 (concat_batchnorm_relu.h). When an input is in a layout that pass does not read,
// the concat and the BN + Relu run as usual.
bool OneDnnExecutor::build_concat_batchnorm_relu(const FusedGroup& grp) {
  const ir::Node& n = graph_.node(grp.anchor);
  const ir::Node& bn = graph_.node(grp.batchnorm);
  const ir::ValueId y = grp.output;
  const Shape& ys = graph_.value(y).shape;
  using tag = memory::format_tag;
  std::vector<ConcatInput> inputs;
  bool ok = true;
  for (ir::ValueId v : n.inputs) {
    const std::optional<PieceLayout> layout = piece_layout_of(values_[v].md, memory::data_type::f32);
    if (layout)
      inputs.push_back({values_[v].buffer, graph_.value(v).shape[1], *layout});
    else
      ok = false;
  }
  BatchNormChannels ch;
  if (!ok || !batchnorm_channels(bn, ys[1], &ch)) {
    if (!build_concat(n)) fail_internal("concat '" + n.name + "' could not be built");
    FusedGroup rest;  // the BN + Relu part of the group
    rest.anchor = grp.batchnorm;
    rest.pre_sum = grp.pre_sum;
    rest.output = grp.output;
    rest.last = grp.last;
    rest.members = {grp.batchnorm, grp.last};
    if (!build_batchnorm(rest)) fail_internal("batch normalization '" + bn.name + "' could not be built");
    summary_ += "Concat " + n.name + "\nBatchNormalization " + bn.name + " +fused" +
                (values_[y].int8_step > 0.f ? " ->int8" : "") + "\n";
    return true;
  }
  const float step = int8_consumer_step(y);
  const memory::desc md(memory::dims(ys.begin(), ys.end()),
                        step > 0.f ? memory::data_type::u8 : memory::data_type::f32, tag::nhwc);
  const MemRef dst = define_value(y, md);
  if (step > 0.f) values_[y].int8_step = step;
  steps_.push_back(std::make_unique<ConcatBatchNormReluStep>(std::move(inputs), dst.buffer, ys[0],
                                                             ys[2] * ys[3], std::move(ch), step));
  summary_ += "Concat+BatchNorm+Relu " + n.name + " one pass" + (step > 0.f ? " ->int8" : "") + "\n";
  return true;
}

// Concat of two equal halves + ShuffleChannel(group 2) (a fuse_groups group): one interleaving pass writing
// fp32 NHWC (concat_shuffle.h); int8 readers quantize it (the last unit of a stage feeds two int8 convs of
// the next). When a half is an int8 value, the concat and the shuffle run as usual.
bool OneDnnExecutor::build_concat_shuffle(const FusedGroup& grp) {
  const ir::Node& n = graph_.node(grp.anchor);
  const ir::Node& sh = graph_.node(grp.shuffle);
  const ir::ValueId y = grp.output;
  const Shape& ys = graph_.value(y).shape;
  bool ok = true;
  for (ir::ValueId v : n.inputs) ok = ok && values_[v].int8_step == 0.f;
  if (!ok) {
    if (!build_concat(n)) fail_internal("concat '" + n.name + "' could not be built");
    if (!build_shuffle_channel(sh)) fail_internal("channel shuffle '" + sh.name + "' could not be built");
    summary_ += "Concat " + n.name + "\nShuffleChannel " + sh.name + "\n";
    return true;
  }
  auto nhwc = [](const Shape& s) {
    return memory::desc(memory::dims(s.begin(), s.end()), memory::data_type::f32, memory::format_tag::nhwc);
  };
  const MemRef a = value_as(n.inputs[0], nhwc(graph_.value(n.inputs[0]).shape));
  const MemRef b = value_as(n.inputs[1], nhwc(graph_.value(n.inputs[1]).shape));
  const int64_t pixels = ys[0] * ys[2] * ys[3], C = ys[1] / 2;
  const std::vector<ir::NodeId> split = channel_halves_readers(y);
  if (!split.empty()) {  // the two halves [0, C) and [C, 2C) straight into the readers' outputs
    Shape hs = ys;
    hs[1] = C;
    const ir::ValueId lo = graph_.node(split[0]).outputs[0];
    const ir::ValueId hi =
        split.size() == 1 ? graph_.node(split[0]).outputs[1] : graph_.node(split[1]).outputs[0];
    const MemRef l = define_value(lo, nhwc(hs)), h = define_value(hi, nhwc(hs));
    steps_.push_back(std::make_unique<ConcatShuffleStep>(a.buffer, b.buffer, l.buffer, h.buffer, pixels, C));
    for (ir::NodeId s : split) written_before_[s] = "written by the Concat+ShuffleChannel";
    summary_ += "Concat+ShuffleChannel " + n.name + " one pass, into its two halves\n";
    return true;
  }
  const MemRef dst = define_value(y, nhwc(ys));
  steps_.push_back(std::make_unique<ConcatShuffleStep>(a.buffer, b.buffer, dst.buffer, -1, pixels, C));
  summary_ += "Concat+ShuffleChannel " + n.name + " one pass\n";
  return true;
}

// The readers of shuffled value y when they only cut it into its channel halves [0, C) and [C, 2C) (C = half
// its channels, even, so each half holds whole interleaved pairs): one Split, or a Slice per half ([lo, hi]
// order). Empty otherwise, or when y itself must exist (graph output, tapped).
std::vector<ir::NodeId> OneDnnExecutor::channel_halves_readers(ir::ValueId y) const {
  const Shape& ys = graph_.value(y).shape;
  const int64_t C = ys[1] / 2;
  if (C % 2 != 0 || graph_.is_graph_output(y) || tapped_[y]) return {};
  std::vector<ir::NodeId> readers;
  for (size_t i = 0; i < graph_.nodes().size(); ++i)
    for (ir::ValueId in : graph_.nodes()[i].inputs)
      if (in == y) {
        readers.push_back(static_cast<ir::NodeId>(i));
        break;
      }
  // -1: not a channel half; 0: [0, C); 1: [C, 2C); 2: a Split into both
  auto half = [&](const ir::Node& r) {
    if (r.inputs.empty() || r.inputs[0] != y) return -1;
    if (r.op == ir::OpKind::Split) {
      const auto& a = r.attr<ir::SplitAttrs>();
      return a.axis == 1 && a.sizes == std::vector<int64_t>{C, C} && r.outputs.size() == 2 ? 2 : -1;
    }
    if (r.op != ir::OpKind::Slice) return -1;
    const auto& a = r.attr<ir::SliceAttrs>();
    if (a.axes != std::vector<int64_t>{1} || a.steps != std::vector<int64_t>{1}) return -1;
    const int64_t end = std::min(a.ends[0], 2 * C);
    return a.starts[0] == 0 && end == C ? 0 : a.starts[0] == C && end == 2 * C ? 1 : -1;
  };
  if (readers.size() == 1 && half(graph_.node(readers[0])) == 2) return readers;
  if (readers.size() == 2) {
    const int h0 = half(graph_.node(readers[0])), h1 = half(graph_.node(readers[1]));
    if (h0 == 0 && h1 == 1) return readers;
    if (h0 == 1 && h1 == 0) return {readers[1], readers[0]};
  }
  return {};
}

// BN + Relu read only by int8 convs with one input step, on NCHW or NHWC data (DenseNet's concats are
// NHWC): one pass writing u8 (batchnorm_relu_quantize, the reference's numerics) instead of BN, Relu and a
// quantize step over fp32 tensors (DenseNet: 186 steps -> 62). False for other layouts.
bool OneDnnExecutor::build_batchnorm_relu_u8(const FusedGroup& grp, float step) {
  const ir::Node& n = graph_.node(grp.anchor);
  const ir::ValueId x = n.inputs.at(0), y = grp.output;
  const Shape& xs = graph_.value(x).shape;
  const memory::dims dims(xs.begin(), xs.end());
  const memory::desc& md = values_[x].md;
  const bool nhwc = md == memory::desc(dims, memory::data_type::f32, memory::format_tag::nhwc);
  if (!nhwc && !(md == memory::desc(dims, memory::data_type::f32, memory::format_tag::nchw))) return false;
  const int64_t C = xs[1];
  BatchNormChannels ch;
  if (!batchnorm_channels(n, C, &ch)) return false;
  const MemRef src = value_ref(x);
  const MemRef dst = define_value(y, with_type(md, memory::data_type::u8));
  values_[y].int8_step = step;
  steps_.push_back(std::make_unique<BatchNormReluQuantizeStep>(src.buffer, dst.buffer, xs[0], C,
                                                               xs[2] * xs[3], nhwc, std::move(ch), step));
  return true;
}

bool OneDnnExecutor::build_softmax(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  const Shape& xs = graph_.value(x).shape;
  if (graph_.value(x).is_constant()) return false;
  const int64_t axis = ir::normalize_axis(n.attr<ir::AxisAttrs>().axis, static_cast<int64_t>(xs.size()));
  const memory::desc md = plain_md(xs);
  auto pd = dnnl::softmax_forward::primitive_desc(
      dnnl::softmax_forward::desc(prop_kind::forward_inference, md, static_cast<int>(axis)), eng_);
  const MemRef src = value_as(x, md);
  const MemRef dst = define_value(y, md);
  add_primitive(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return true;
}

// A concat read only by int8 convs with one input step joins q values (int8_consumer_step let the
// producing convs emit them; an input still in f32 is quantized here), so its readers get int8 directly.
bool OneDnnExecutor::build_concat(const ir::Node& n) {
  const ir::ValueId y = n.outputs[0];
  for (ir::ValueId v : n.inputs)
    if (v == ir::kNoValue || graph_.value(v).is_constant()) return false;
  const float step = int8_consumer_step(y);
  const auto q_type = non_negative(y) ? memory::data_type::u8 : memory::data_type::s8;
  std::vector<memory::desc> mds;
  std::vector<MemRef> srcs;
  for (ir::ValueId v : n.inputs) {
    srcs.push_back(step > 0.f ? quantized_as(v, with_type(values_[v].md, q_type), step) : value_ref(v));
    mds.push_back(srcs.back().md);
  }
  const Shape& ys = graph_.value(y).shape;
  const int64_t axis = ir::normalize_axis(n.attr<ir::AxisAttrs>().axis, static_cast<int64_t>(ys.size()));
  // Into nhwc in one pass (concat_nhwc.h) when the inputs are nhwc (int8 convs' outputs) or mixed
  // nhwc / blocked; inputs all in one blocked layout keep oneDNN's block-copying concat.
  std::vector<ConcatInput> pieces;
  for (size_t i = 0; i < mds.size() && ys.size() == 4 && axis == 1; ++i) {
    const std::optional<PieceLayout> layout = piece_layout_of(mds[i], mds[0].data_type());
    if (!layout) break;
    pieces.push_back({srcs[i].buffer, mds[i].dims()[1], *layout});
  }
  const bool one_blocked_layout = std::all_of(pieces.begin(), pieces.end(), [&](const ConcatInput& p) {
    return p.layout != PieceLayout::nhwc && p.layout == pieces[0].layout;
  });
  if (pieces.size() == mds.size() && !one_blocked_layout) {
    const MemRef dst = define_value(
        y, memory::desc(memory::dims(ys.begin(), ys.end()), mds[0].data_type(), memory::format_tag::nhwc));
    if (step > 0.f) values_[y].int8_step = step;
    steps_.push_back(std::make_unique<ConcatNhwcStep>(
        std::move(pieces), memory::data_type_size(mds[0].data_type()), dst.buffer, ys[0], ys[2] * ys[3]));
    return true;
  }
  auto pd = dnnl::concat::primitive_desc(static_cast<int>(axis), mds, eng_);
  std::vector<std::pair<int, MemRef>> refs;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    refs.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), srcs[i]});
  refs.push_back({DNNL_ARG_DST, define_value(y, pd.dst_desc())});
  if (step > 0.f) values_[y].int8_step = step;
  add_primitive(dnnl::concat(pd), std::move(refs));
  return true;
}

// oneDNN normalises over the last logical axis. A LayerNorm over the channels of NCHW (ConvNeXt) reads
// its input in NHWC layout, which is the dense N,H,W,C tensor oneDNN normalises (a strided NCHW view
// ran 30x slower on convnext_tiny: 193 of 290 ms); its output stays NHWC for the next layer to reorder.
bool OneDnnExecutor::build_layer_norm(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  const Shape& xs = graph_.value(x).shape;
  if (graph_.value(x).is_constant()) return false;
  const auto& a = n.attr<ir::LayerNormAttrs>();
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t axis = ir::normalize_axis(a.axis, rank);
  memory::desc md = plain_md(xs);
  memory::desc ln_md = md;
  if (a.num_axes != 1) return false;
  if (rank == 4 && axis == 1) {
    md = memory::desc({xs[0], xs[1], xs[2], xs[3]}, memory::data_type::f32, memory::format_tag::nhwc);
    ln_md = memory::desc({xs[0], xs[2], xs[3], xs[1]}, memory::data_type::f32, memory::format_tag::abcd);
  } else if (axis != rank - 1) {
    return false;
  }
  const int64_t c = xs[axis];
  Tensor scale_shift(DataType::f32, {2, c});
  for (size_t i = 1; i < 3; ++i) {
    const bool present = i < n.inputs.size() && n.inputs[i] != ir::kNoValue;
    if (present && !graph_.value(n.inputs[i]).is_constant()) return false;
    const Tensor t = present ? graph_.value(n.inputs[i]).constant.to_f32() : Tensor();
    if (present && t.numel() != c) return false;
    for (int64_t k = 0; k < c; ++k)
      scale_shift.data<float>()[(i - 1) * c + k] = present ? t.data<float>()[k] : 0.f;
  }
  auto pd = dnnl::layer_normalization_forward::primitive_desc(
      dnnl::layer_normalization_forward::desc(prop_kind::forward_inference, ln_md, a.epsilon,
                                              dnnl::normalization_flags::use_scale_shift),
      eng_);
  MemRef src = value_as(x, md);
  MemRef dst = define_value(y, md);
  src.md = dst.md = ln_md;
  add_primitive(
      dnnl::layer_normalization_forward(pd),
      {{DNNL_ARG_SRC, src},
       {DNNL_ARG_DST, dst},
       {DNNL_ARG_SCALE_SHIFT, {pd.weights_desc(), -1, constant_memory(scale_shift, pd.weights_desc())}}});
  return true;
}

// A reorder from the input viewed with permuted axes to the plain output.
bool OneDnnExecutor::build_transpose(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  if (graph_.value(x).is_constant()) return false;
  const Shape& xs = graph_.value(x).shape;
  const auto& perm = n.attr<ir::AxesAttrs>().axes;
  if (perm.size() != xs.size()) return false;
  std::vector<int> where(perm.size());  // permute_axes: input axis i moves to position where[i]
  for (size_t i = 0; i < perm.size(); ++i) where.at(perm[i]) = static_cast<int>(i);
  const memory::desc md = plain_md(xs);
  const memory::desc view = md.permute_axes(where);
  const memory::desc out_md = plain_md(graph_.value(y).shape);
  auto pd = dnnl::reorder::primitive_desc(eng_, view, eng_, out_md);
  MemRef src = value_as(x, md);
  src.md = view;
  const MemRef dst = define_value(y, out_md);
  add_primitive(dnnl::reorder(pd), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  return true;
}

}  // namespace qd::runtime::onednn
