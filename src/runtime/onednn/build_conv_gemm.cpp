// Conv (+ folded BatchNorm, bias, activations, residual sum) and Gemm (inner product) builders.
#include <cmath>
#include <cstring>
#include <optional>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/conv_swish_rows.h"
#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/int8_gemv.h"
#include "runtime/onednn/swish_step.h"
#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

namespace {

// Output pixels (N*OH*OW) at or below which a fp32 k>1 conv runs on plain NCHW (gemm) instead of blocked,
// where oneDNN's ISA is below AVX-512 (tiny_convs_on_gemm).
constexpr int64_t kTinyConvPixels = 16;
constexpr int64_t kOneDnnWinogradMinInChannels = 16, kOneDnnWinogradMinOutChannels = 16,
                  kOneDnnWinogradMinPixels = 8 * 8;

// The plain-NCHW gemm convolution for tiny fp32 convs pays below AVX-512 only. With AVX-512 oneDNN's blocked
// kernels ran ResNet-18 CIFAR fp32 faster without it (1 thread, CPU time per image 9.4-9.7 -> 8.6-8.7 ms;
// with oneDNN capped to AVX2 the rule still gains: 9.8 -> 9.2 ms), and the gemm convolution's first run
// generates oneDNN's JIT sgemm kernels: ~90 ms of a fresh process's first inference (110 -> 19 ms).
bool tiny_convs_on_gemm() {
  static const bool below_avx512 = onednn_below_avx512();
  return below_avx512;
}

memory::desc any_md(const Shape& s, memory::data_type dt = memory::data_type::f32) {
  return memory::desc(memory::dims(s.begin(), s.end()), dt, memory::format_tag::any);
}

// Folds y = gamma*(conv(x)+b - mean)/sqrt(var+eps) + beta into the conv's weights and bias.
void fold_batchnorm(const ir::Graph& g, const ir::Node& bn, Tensor& w, Tensor& b) {
  const float eps = bn.attr<ir::BatchNormAttrs>().epsilon;
  const Tensor beta_t = g.value(bn.inputs[2]).constant.to_f32(),
               mean_t = g.value(bn.inputs[3]).constant.to_f32(),
               var_t = g.value(bn.inputs[4]).constant.to_f32(),
               gamma_t = g.value(bn.inputs[1]).constant.to_f32();
  const float* gamma = gamma_t.data<float>();
  const int64_t O = w.dim(0), per = w.numel() / O;
  float* wd = w.data<float>();
  float* bd = b.data<float>();
  for (int64_t o = 0; o < O; ++o) {
    const float s = gamma[o] / std::sqrt(var_t.data<float>()[o] + eps);
    for (int64_t i = 0; i < per; ++i) wd[o * per + i] *= s;
    bd[o] = (bd[o] - mean_t.data<float>()[o]) * s + beta_t.data<float>()[o];
  }
}

}  // namespace

MemRef OneDnnExecutor::conv_destination(const FusedGroup& grp, const memory::desc& dst_md, ir::ValueId x,
                                        bool& in_place_sum) {
  const ir::Graph& g = graph_;
  MemRef dst;
  in_place_sum = false;
  if (grp.residual != ir::kNoValue) {
    const ir::ValueId r = grp.residual;
    const ValueState& rs = values_[r];
    // Accumulate in place into the residual's buffer (or its copy in dst's layout) when nothing reads it
    // afterwards.
    int res_buffer = rs.md == dst_md ? rs.buffer : -1;
    for (const auto& [md, buf] : rs.copies)
      if (md == dst_md) res_buffer = buf;
    const bool in_place = rs.live && res_buffer >= 0 && last_use_[r] == current_group_ &&
                          !g.is_graph_output(r) && buffer_refs_[res_buffer] == 1 && r != x;
    in_place_sum = in_place;
    if (in_place) {
      dst = define_value(grp.output, dst_md, res_buffer);
    } else {
      dst = define_value(grp.output, dst_md);
      const MemRef res = value_as(r, dst_md);  // same layout as dst (may add a reorder)
      add_primitive(dnnl::reorder(dnnl::reorder::primitive_desc(eng_, dst_md, eng_, dst_md)),
                    {{DNNL_ARG_FROM, res}, {DNNL_ARG_TO, dst}});
    }
  } else {
    dst = define_value(grp.output, dst_md);
  }
  return dst;
}

ir::NodeId OneDnnExecutor::swish_pool_consumer(ir::ValueId y, const memory::desc& md,
                                               SwishPoolShape& shape) const {
  const Shape& ys = graph_.value(y).shape;
  if (ys.size() != 4) return -1;
  const memory::dims dims(ys.begin(), ys.end());
  const bool nhwc = md == memory::desc(dims, memory::data_type::f32, memory::format_tag::nhwc);
  const bool blocked16 = md == memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c);
  if (!nhwc && !blocked16) return -1;
  for (ir::NodeId c : graph_.consumers(y)) {
    const ir::Node& p = graph_.node(c);
    if (p.op != ir::OpKind::GlobalAveragePool || p.inputs.at(0) != y || p.outputs.empty()) continue;
    shape = {ys[0], ys[1], ys[2], ys[3], blocked16};
    return c;
  }
  return -1;
}

bool OneDnnExecutor::build_conv(const FusedGroup& grp) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  const int fold = folded_of_value_[n.inputs.at(0)];  // >= 0: the source is x * s (se_scale_folding.h)
  const ir::ValueId x = fold >= 0 ? folded_[fold].x : n.inputs.at(0);
  if (g.value(x).is_constant() || !g.value(n.inputs.at(1)).is_constant())
    fail_unsupported("", "node '" + n.name + "': Conv needs a computed input and constant weights");
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
  if (has_bias && !g.value(n.inputs[2]).is_constant())
    fail_unsupported("", "node '" + n.name + "': Conv bias must be constant");
  Tensor w = g.value(n.inputs[1]).constant.to_f32();
  const int64_t O = w.dim(0);
  Tensor b;
  if (has_bias || grp.batchnorm >= 0) {
    b = has_bias ? g.value(n.inputs[2]).constant.to_f32().clone() : Tensor(DataType::f32, {O});
  }
  if (grp.batchnorm >= 0) {
    w = w.clone();
    fold_batchnorm(g, g.node(grp.batchnorm), w, b);
  }
  const ir::LayerQuant* q = quant_of(n);
  const bool int8 = q && int8_mode_ == Int8Mode::real;
  const float requant = int8 ? requant_step_[grp.anchor] : 0.f;
  std::vector<float> scales;  // int8: per output channel s_in * s_w[oc]
  if (q && int8_mode_ == Int8Mode::simulate)
    w = ref::fake_quantize_weights(w, q->weight_scales, q->weight_bits);
  if (int8) {
    for (int64_t o = 0; o < O; ++o) scales.push_back(ref::dequant_scale(*q, o));
    // oneDNN computes scale * (acc + bias): pass bias / scale so the result is acc * scale + bias.
    if (!b.empty()) {
      b = b.clone();
      for (int64_t o = 0; o < O; ++o) b.data<float>()[o] /= scales[o];
    }
  }

  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  const int G = a.group;
  memory::dims wdims = G == 1 ? memory::dims{O, w.dim(1), w.dim(2), w.dim(3)}
                              : memory::dims{G, O / G, w.dim(1), w.dim(2), w.dim(3)};
  // A final Swish runs as our AVX-512 pass over the conv's f32 output (swish_step.h) instead of oneDNN's
  // post-op (~0.85 ns per element; more than half of EfficientNet-B0's int8 run). An int8 conv that
  // requantizes then writes f32 and the pass quantizes chunk by chunk as the reference does (swish_quant).
  const bool out_u8 = non_negative(grp.output);
  const bool final_swish = grp.residual == ir::kNoValue && grp.post_sum.empty() && !grp.pre_sum.empty() &&
                           grp.pre_sum.back().kind == ir::OpKind::Swish && swish_pass_available();
  const bool swish_quant = final_swish && requant > 0.f && !out_u8;
  const bool swish_pass = final_swish && (requant == 0.f || swish_quant);
  const float emit_requant = swish_quant ? 0.f : requant;  // the step the primitive itself quantizes with
  dnnl::post_ops po;
  for (size_t i = 0; i + (swish_pass ? 1 : 0) < grp.pre_sum.size(); ++i)
    append_activation(po, grp.pre_sum[i]);
  if (grp.residual != ir::kNoValue) po.append_sum(1.f);
  for (const auto& act : grp.post_sum) append_activation(po, act);
  if (emit_requant > 0.f) {  // emit q = clamp(y / step, -127, 127) as s8/u8 (oneDNN rounds half to even)
    po.append_eltwise(1.f, algorithm::eltwise_linear, 1.f / emit_requant, 0.f);
    // clip_v2 (same forward function as clip): oneDNN 2.6's AVX2 kernels apply the FIRST eltwise post-op's
    // alpha/beta to every later post-op of the same algorithm, so after a fused Clip(0, 6) a second
    // eltwise_clip would clamp the requantized value to [0, 6] (ncnn int8 MobileNets gave garbage).
    po.append_eltwise(1.f, algorithm::eltwise_clip_v2, out_u8 ? 0.f : -127.f, 127.f);
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  if (int8) attr.set_output_scales(1 << 1, scales);
  const memory::desc bias_md =
      b.empty() ? memory::desc() : memory::desc({O}, memory::data_type::f32, memory::format_tag::a);
  if (int8 && needs_split(x)) {
    if (!signed_split_[grp.anchor]) {
      if (!build_conv_signed_int8(grp, *q, w, b, scales, requant))
        fail_internal("conv '" + n.name + "': planned for the signed int8 kernel, which refused it");
      return true;
    }
    return build_conv_int8_signed(grp, *q, wdims, scales, b), true;
  }
  if (int8 && build_conv_winograd_int8(grp, *q, w, b, scales, requant)) return true;
  if (int8 && build_conv_direct_int8(grp, *q, w, b, scales, requant)) return true;
  // Depthwise on u8 sources: our int16 kernel where it beats oneDNN's (AVX2-only machines, stride 1).
  if (int8 && G > 1 && non_negative(x) && build_conv_signed_int8(grp, *q, w, b, scales, requant)) return true;
  // Tiny fp32 convs: the gemm convolution below AVX-512 (further down), im2col + brgemm matmul above.
  if (!q && fold < 0 && !tiny_convs_on_gemm() && build_conv_im2col(grp, w, b)) return true;
  const auto f32 = memory::data_type::f32, s8 = memory::data_type::s8, u8 = memory::data_type::u8;
  const auto src_dt = !int8 ? f32 : non_negative(x) ? u8 : s8;
  const auto dst_dt = emit_requant == 0.f ? f32 : out_u8 ? u8 : s8;
  memory::desc src_any = any_md(xs, src_dt), dst_any = any_md(ys, dst_dt);
  if (!int8 && w.dim(2) * w.dim(3) > 1 && ys[0] * ys[2] * ys[3] <= kTinyConvPixels && tiny_convs_on_gemm()) {
    // Measured on AVX2 (ResNet-18 CIFAR, 512 ch at 4x4): oneDNN's gemm convolution on plain NCHW beats
    // its blocked direct kernel by ~20% when there are very few output pixels.
    src_any = memory::desc(memory::dims(xs.begin(), xs.end()), src_dt, memory::format_tag::nchw);
    dst_any = memory::desc(memory::dims(ys.begin(), ys.end()), dst_dt, memory::format_tag::nchw);
  }
  // A grouped (not depthwise) fp32 conv reads and writes nhwc when its source already is nhwc. With "any"
  // oneDNN picks nChw8c for groups of 8 channels (RegNetY), and in an int8 model, whose 1x1 convs run on
  // nhwc, each such conv then cost reorders before and after it and the SE block's pool and Mul ran on
  // nChw8c. RegNetY-400MF int8 files (AVX-512, one thread, same-run medians of 3): 4.5-5.6 -> 4.2-4.9 ms,
  // its 48 reorder steps (0.41 ms) gone, the grouped convs themselves within noise; the fp32 ONNX model
  // 7.5-8.9 -> 7.3-8.1 ms, ResNeXt-50 fp32 53-58 -> 52-55 ms. With oneDNN capped to AVX2 the sources of
  // the fp32 models are blocked (no change) and the int8 model moved within noise (8.3-8.4 -> 7.9-8.6).
  const bool grouped = G > 1 && G < xs[1];
  if (!int8 && grouped &&
      values_[x].md == memory::desc(memory::dims(xs.begin(), xs.end()), values_[x].md.data_type(),
                                    memory::format_tag::nhwc)) {
    src_any = memory::desc(memory::dims(xs.begin(), xs.end()), src_dt, memory::format_tag::nhwc);
    dst_any = memory::desc(memory::dims(ys.begin(), ys.end()), dst_dt, memory::format_tag::nhwc);
  }
  auto conv_desc = [&](algorithm alg) {
    return dnnl::convolution_forward::desc(prop_kind::forward_inference, alg, src_any,
                                           memory::desc(wdims, int8 ? s8 : f32, memory::format_tag::any),
                                           bias_md, dst_any, {a.stride_h, a.stride_w},
                                           {a.dilation_h - 1, a.dilation_w - 1}, {a.pad_top, a.pad_left},
                                           {a.pad_bottom, a.pad_right});
  };
  // oneDNN's own Winograd F(4x4, 3x3) where it has one (AVX-512 in oneDNN 2.6). On VGG-11 at 224 its 3x3
  // convs of 64-512 channels ran 1.2-1.6x faster than both direct and our F(2x2, 3x3) (with 3 input channels
  // 2.5x slower); whole models at one thread: VGG-11 110.6 -> 87.7 ms, DenseNet-121 59.2 -> 51.0, ResNet-50
  // 69.2 -> 67.5. From 16 input channels and 8x8 outputs oneDNN picks its F(2x2, 3x3) (jit_fp32_wino_2x3)
  // for the small convs: ResNet-20 CIFAR (16-64 channels at 32x32-8x8) 0.71 -> 0.575 ms, its 8x8 convs 41 ->
  // 24 us, SqueezeNet 1.1's expand convs 7.0 -> 6.35 ms CPU time per run (2026-12-04, AVX-512, one thread);
  // ResNet-18 CIFAR's 256-channel 8x8 convs run its F(4x4) instead of ours. (An earlier F(4x4)-only trial
  // at 16-32 channels shifted ResNet-20's calibration so that tests/ort/e2e saw 13 differences; with this
  // choice the OrtQdq tests see 2 and 6 top-1 differences of 10 allowed, the ncnn table parity holds, fp32
  // top-1 stays 8651.) It reads and writes nChw16c where the direct kernel uses nhwc, so at 7x7 (ResNet-50,
  // DenseNet's last block) the direct conv stays. The zoo's fp32 check stays at 118-129 dB against ONNX
  // Runtime. Where oneDNN has none (AVX2; a fused sum at some sizes) our F(2x2, 3x3) (build_conv_winograd)
  // or the direct convolution runs.
  std::optional<dnnl::convolution_forward::primitive_desc> winograd;
  if (!q && winograd_ == WinogradPolicy::when_faster && w.dim(2) == 3 && w.dim(3) == 3 && G == 1 &&
      a.stride_h == 1 && a.stride_w == 1 && a.dilation_h == 1 && a.dilation_w == 1 &&
      w.dim(1) >= kOneDnnWinogradMinInChannels && O >= kOneDnnWinogradMinOutChannels &&
      ys[2] * ys[3] >= kOneDnnWinogradMinPixels) {
    try {
      winograd.emplace(conv_desc(algorithm::convolution_winograd), attr, eng_);
    } catch (const dnnl::error&) {
    }
  }
  if (!q && !winograd && build_conv_winograd(grp, w, b)) return true;
  // The direct descriptor only when no Winograd runs.
  const auto pd = winograd ? *winograd
                           : dnnl::convolution_forward::primitive_desc(
                                 conv_desc(algorithm::convolution_direct), attr, eng_);
  if (src_dt == s8) {  // s8_sources_exact() probed this; a kernel that halves the weights would be inexact
    const auto& extra = pd.weights_desc().data.extra;
    if ((extra.flags & dnnl_memory_extra_flag_scale_adjust) && extra.scale_adjust != 1.f)
      fail_internal("node '" + n.name + "': oneDNN scales the weights of this s8-source conv");
  }

  // A folded SE scaling rescales the weights before each run; in a weight layout the step does not know,
  // the Mul runs here instead (x and s live until this group).
  const bool scale_weights = fold >= 0 && InputChannelScaleStep::supports(pd.weights_desc());
  if (fold >= 0 && !scale_weights && !build_binary(g.node(folded_[fold].mul)))
    fail_internal("node '" + n.name + "': the SE scaling before it could not be built");
  const ir::ValueId src_value = fold >= 0 && !scale_weights ? n.inputs[0] : x;
  std::vector<std::pair<int, MemRef>> refs;
  refs.push_back({DNNL_ARG_SRC, int8 ? quantized_as(x, pd.src_desc(), static_cast<float>(q->input_scale))
                                : q  ? fake_quantized_as(x, pd.src_desc(), static_cast<float>(q->input_scale))
                                     : value_as(src_value, pd.src_desc())});
  // int8 weights read from an int8 file go straight from the file into oneDNN's layout.
  const Tensor wq = int8 ? ref::int8_weights(w, q->weight_scales, q->weight_bits) : w;
  const dnnl::memory weights = constant_memory(wq, pd.weights_desc());
  if (scale_weights) {
    const MemRef scale = channel_vector(folded_[fold].scale);
    steps_.push_back(std::make_unique<InputChannelScaleStep>(weights, constant_memory(wq, pd.weights_desc()),
                                                             scale.buffer));
  }
  refs.push_back({DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, weights}});
  if (!b.empty()) refs.push_back({DNNL_ARG_BIAS, {pd.bias_desc(), -1, constant_memory(b, pd.bias_desc())}});

  bool in_place_sum = false;
  const int64_t dst_count = static_cast<int64_t>(pd.dst_desc().get_size() / sizeof(float));
  size_t row_chunks = 0;  // > 0: the conv and its Swish + quantize ran in chunks of rows
  if (swish_quant) {      // f32 into a scratch buffer, the pass writes the s8 value (same dense layout)
    const MemRef q8 = define_value(grp.output, with_type(pd.dst_desc(), s8));
    values_[grp.output].int8_step = requant;
    const MemRef& src = refs[0].second;
    const bool one_by_one = G == 1 && w.dim(2) == 1 && w.dim(3) == 1 && a.stride_h == 1 && a.stride_w == 1 &&
                            a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
    auto chunks = one_by_one && src.buffer >= 0 ? conv_swish_row_chunks(eng_, pd, attr)
                                                : std::vector<ConvSwishQuantizeRowsStep::Chunk>{};
    const int scratch = alloc_buffer(chunks.empty() ? pd.dst_desc().get_size() : chunks[0].dst_md.get_size());
    if (!chunks.empty()) {
      row_chunks = chunks.size();
      const dnnl::memory bias = refs.size() > 2 ? refs[2].second.fixed : dnnl::memory();
      steps_.push_back(std::make_unique<ConvSwishQuantizeRowsStep>(
          std::move(chunks), src.buffer, scratch, q8.buffer, weights, bias, xs[1] * xs[3], ys[1] * ys[3],
          src.md.get_size() / static_cast<size_t>(xs[0] * xs[1] * xs[2] * xs[3]), requant));
    } else {
      refs.push_back({DNNL_ARG_DST, {pd.dst_desc(), scratch, {}}});
      add_primitive(dnnl::convolution_forward(pd), std::move(refs));
      steps_.push_back(std::make_unique<SwishQuantizeStep>(scratch, q8.buffer, dst_count, requant));
    }
    release_buffer(scratch);  // free for later groups once this one has run
  } else {
    const MemRef dst = conv_destination(grp, pd.dst_desc(), x, in_place_sum);
    if (requant > 0.f) values_[grp.output].int8_step = requant;
    refs.push_back({DNNL_ARG_DST, dst});
    add_primitive(dnnl::convolution_forward(pd), std::move(refs));
    if (swish_pass) {
      SwishPoolShape pool_shape;
      const ir::NodeId pool = swish_pool_consumer(grp.output, pd.dst_desc(), pool_shape);
      if (pool >= 0) {  // the SE block's pool, computed in the Swish pass (swish_step.h)
        const ir::ValueId mean = graph_.node(pool).outputs[0];
        const memory::desc mean_md(
            {pool_shape.N, pool_shape.C, 1, 1}, memory::data_type::f32,
            pool_shape.blocked16 ? memory::format_tag::nChw16c : memory::format_tag::nhwc);
        const MemRef m = define_value(mean, mean_md);
        written_before_[pool] = "computed by the Swish pass";
        steps_.push_back(std::make_unique<SwishPoolStep>(dst.buffer, pool_shape, m.buffer));
      } else {
        steps_.push_back(std::make_unique<SwishStep>(dst.buffer, dst_count));
      }
    }
  }
  std::string line = "conv " + n.name +
                     (int8       ? requant > 0.f ? " int8->int8" : " int8"
                      : q        ? " fake-quant"
                      : winograd ? " winograd " + onednn_winograd_tile(pd.impl_info_str())
                                 : "") +
                     (scale_weights ? " +SE scale in weights" : "") + fused_summary(grp, in_place_sum) +
                     (row_chunks > 0 ? " (" + std::to_string(row_chunks) + " chunks of rows)" : "");
  summary_ += line + "\n";
  return true;
}

std::string OneDnnExecutor::fused_summary(const FusedGroup& grp, bool in_place_sum) {
  std::string s = grp.batchnorm >= 0 ? " +bn" : "";
  for (const auto& act : grp.pre_sum) s += " +" + std::string(ir::op_name(act.kind));
  if (grp.residual != ir::kNoValue) s += in_place_sum ? " +sum(in-place)" : " +sum(copy)";
  for (const auto& act : grp.post_sum) s += " +" + std::string(ir::op_name(act.kind));
  return s;
}

// Signed int8 input: oneDNN on AVX2 without VNNI halves the weights of s8-source convs (inexact), so run
// two exact u8-source convs: y = s*acc(pos) + (-s)*acc(neg) + bias, the second adding the first via a sum
// post-op before the activations.
void OneDnnExecutor::build_conv_int8_signed(const FusedGroup& grp, const ir::LayerQuant& q,
                                            const memory::dims& wdims, const std::vector<float>& scales,
                                            const Tensor& bias_over_scale) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  const ir::ValueId x = n.inputs[0];
  QD_CHECK(grp.residual == ir::kNoValue && requant_step_[grp.anchor] == 0.f,
           "signed int8 conv with sum/requant");
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  const auto u8 = memory::data_type::u8, s8 = memory::data_type::s8;
  auto conv_desc = [&](const memory::desc& src, const memory::desc& w, const memory::desc& bias,
                       const memory::desc& dst) {
    return dnnl::convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct, src,
                                           w, bias, dst, {a.stride_h, a.stride_w},
                                           {a.dilation_h - 1, a.dilation_w - 1}, {a.pad_top, a.pad_left},
                                           {a.pad_bottom, a.pad_right});
  };
  dnnl::primitive_attr attr_pos;
  attr_pos.set_output_scales(1 << 1, scales);
  auto pd_pos = dnnl::convolution_forward::primitive_desc(
      conv_desc(any_md(xs, u8), memory::desc(wdims, s8, memory::format_tag::any), memory::desc(), any_md(ys)),
      attr_pos, eng_);
  std::vector<float> neg_scales;
  for (float s : scales) neg_scales.push_back(-s);
  dnnl::post_ops po;
  po.append_sum(1.f);
  for (const auto& act : grp.pre_sum) append_activation(po, act);
  dnnl::primitive_attr attr_neg;
  attr_neg.set_output_scales(1 << 1, neg_scales);
  attr_neg.set_post_ops(po);
  Tensor bias_neg;
  if (!bias_over_scale.empty()) {  // -s * (acc + bias_neg) must add +bias: bias_neg = -bias / s
    bias_neg = bias_over_scale.clone();
    for (float& v : bias_neg.values<float>()) v = -v;
  }
  const memory::desc bias_md = bias_neg.empty()
                                   ? memory::desc()
                                   : memory::desc({wdims[0] * (wdims.size() == 5 ? wdims[1] : 1)},
                                                  memory::data_type::f32, memory::format_tag::a);
  auto pd_neg = dnnl::convolution_forward::primitive_desc(
      conv_desc(pd_pos.src_desc(), pd_pos.weights_desc(), bias_md, pd_pos.dst_desc()), attr_neg, eng_);
  const Tensor wq = ref::int8_weights(g.value(n.inputs[1]).constant.to_f32(), q.weight_scales, q.weight_bits);
  const dnnl::memory w_pos = constant_memory(wq, pd_pos.weights_desc());
  const dnnl::memory w_neg =
      pd_neg.weights_desc() == pd_pos.weights_desc() ? w_pos : constant_memory(wq, pd_neg.weights_desc());
  const auto [pos, neg] = split_quantized_as(x, pd_pos.src_desc(), static_cast<float>(q.input_scale));
  const MemRef dst = define_value(grp.output, pd_pos.dst_desc());
  add_primitive(
      dnnl::convolution_forward(pd_pos),
      {{DNNL_ARG_SRC, pos}, {DNNL_ARG_WEIGHTS, {pd_pos.weights_desc(), -1, w_pos}}, {DNNL_ARG_DST, dst}});
  std::vector<std::pair<int, MemRef>> refs{
      {DNNL_ARG_SRC, neg}, {DNNL_ARG_WEIGHTS, {pd_neg.weights_desc(), -1, w_neg}}, {DNNL_ARG_DST, dst}};
  if (!bias_neg.empty())
    refs.push_back({DNNL_ARG_BIAS, {pd_neg.bias_desc(), -1, constant_memory(bias_neg, pd_neg.bias_desc())}});
  add_primitive(dnnl::convolution_forward(pd_neg), std::move(refs));
  std::string line = "conv " + n.name + " int8(signed: 2 x u8)";
  for (const auto& act : grp.pre_sum) line += " +" + std::string(ir::op_name(act.kind));
  summary_ += line + "\n";
}

bool OneDnnExecutor::build_gemm(const FusedGroup& grp) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::GemmAttrs>();
  if (a.trans_a || n.inputs.size() < 2 || g.value(n.inputs[0]).is_constant() ||
      !g.value(n.inputs[1]).is_constant())
    return false;
  const ir::ValueId x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const Tensor bt = g.value(n.inputs[1]).constant.to_f32();
  if (xs.size() != 2 || bt.rank() != 2) return false;
  const int64_t M = xs[0], K = xs[1], N = a.trans_b ? bt.dim(0) : bt.dim(1);
  Tensor c;
  if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
    const ir::Value& cv = g.value(n.inputs[2]);
    if (!cv.is_constant() || cv.constant.numel() != N) return false;
    if (!(cv.shape.size() == 1 || (cv.shape.size() == 2 && cv.shape[0] == 1))) return false;
    c = cv.constant.to_f32().clone().reshaped({N});
    for (float& v : c.values<float>()) v *= a.beta;
  }
  const ir::LayerQuant* q = quant_of(n);
  const bool int8 = q && int8_mode_ == Int8Mode::real;
  // oneDNN inner product weights are [N, K] ("oi") = B^T; int8 ones read from an int8 file as they are.
  Tensor w = int8 && a.trans_b ? ref::stored_int8_weights(bt, q->weight_scales, q->weight_bits) : Tensor();
  const bool stored = !w.empty();
  if (!stored) {
    w = Tensor(DataType::f32, {N, K});
    const float* src = bt.data<float>();
    float* dst = w.data<float>();
    for (int64_t o = 0; o < N; ++o)
      for (int64_t k = 0; k < K; ++k) dst[o * K + k] = a.trans_b ? src[o * K + k] : src[k * N + o];
  }
  std::vector<float> scales;
  if (int8) {
    if (!stored) w = ref::quantize_weights(w, q->weight_scales, q->weight_bits);
    for (int64_t o = 0; o < N; ++o) scales.push_back(ref::dequant_scale(*q, o, a.alpha));
    if (!c.empty())
      for (int64_t o = 0; o < N; ++o) c.data<float>()[o] /= scales[o];  // oneDNN: scale * (acc + bias)
  } else {
    if (q) w = ref::fake_quantize_weights(w, q->weight_scales, q->weight_bits);
    for (float& v : w.values<float>()) v *= a.alpha;  // alpha folded into the weights
  }
  dnnl::post_ops po;
  for (const auto& act : grp.pre_sum) append_activation(po, act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  if (int8) attr.set_output_scales(1 << 1, scales);
  const auto wdt = int8 ? memory::data_type::s8 : memory::data_type::f32;
  const memory::desc src_md = plain_md(xs, !int8             ? memory::data_type::f32
                                           : non_negative(x) ? memory::data_type::u8
                                                             : memory::data_type::s8);
  const memory::desc bias_md =
      c.empty() ? memory::desc() : memory::desc({N}, memory::data_type::f32, memory::format_tag::a);
  // One fp32 row (batch 1): the weights are read once per run, so the product runs at memory speed. With
  // plain [N, K] weights oneDNN 2.6 runs its gemm (x64:gemm:jit), with its chosen blocked layout its brgemm
  // kernel, which ran VGG-11's three FC layers 1.4-2.4x slower (AVX-512, one thread, load ~11).
  const memory::desc w_md =
      M == 1 && !int8 ? memory::desc({N, K}, wdt, memory::format_tag::ab) : any_md({N, K}, wdt);
  if (int8 && M == 1 && !s8_sources_exact_ && int8_signed_ != KernelPolicy::never &&
      int8_gemv_supported(grp.pre_sum)) {
    // One row on a machine without VNNI: our int16 product (int8_gemv.h) instead of oneDNN's
    // gemm_s8u8s32, which packs the weights on every call (and needs two of itself for a signed source).
    Int8GemvShape s;
    s.K = K, s.N = N, s.src_unsigned = non_negative(x);
    const MemRef src =
        quantized_as(x, plain_md(xs, s.src_unsigned ? memory::data_type::u8 : memory::data_type::s8),
                     static_cast<float>(q->input_scale));
    Int8ConvEpilogue e =
        make_int8_conv_epilogue(N, s.n_padded(), scales, c.empty() ? nullptr : c.data<float>(), 0.f, false);
    e.pre_sum = grp.pre_sum;
    const int scratch = alloc_buffer(s.scratch_bytes());  // free again once this step is built
    ++buffer_refs_[scratch];
    const MemRef dst = define_value(grp.output, plain_md({M, N}));
    steps_.push_back(std::make_unique<Int8GemvStep>(s, src.buffer, dst.buffer, scratch, int8_gemv_weights(w),
                                                    std::move(e)));
    if (--buffer_refs_[scratch] == 0) release_buffer(scratch);
    summary_ += "int8 gemm " + n.name + " [int16 pairs, one row]\n";
    return true;
  }
  if (int8 && needs_split(x)) {
    // Signed int8 source (oneDNN's AVX2 kernels are not exact for s8 sources; the reference kernel ran these
    // and took 60% of MobileNetV3-Small's int8 time on AVX2): two exact u8-source inner products, as
    // build_conv_int8_signed: y = s * acc(pos) + (-s) * (acc(neg) - bias / s), activations after the sum.
    const memory::desc u8_md = plain_md(xs, memory::data_type::u8);
    dnnl::primitive_attr attr_pos;
    attr_pos.set_output_scales(1 << 1, scales);
    auto pd_pos = dnnl::inner_product_forward::primitive_desc(
        dnnl::inner_product_forward::desc(prop_kind::forward_inference, u8_md, w_md, memory::desc(),
                                          plain_md({M, N})),
        attr_pos, eng_);
    std::vector<float> neg_scales;
    for (float v : scales) neg_scales.push_back(-v);
    dnnl::post_ops po_neg;
    po_neg.append_sum(1.f);
    for (const auto& act : grp.pre_sum) append_activation(po_neg, act);
    dnnl::primitive_attr attr_neg;
    attr_neg.set_output_scales(1 << 1, neg_scales);
    attr_neg.set_post_ops(po_neg);
    if (!c.empty())
      for (float& v : c.values<float>()) v = -v;  // -s * (acc + (-bias / s)) adds +bias
    auto pd_neg = dnnl::inner_product_forward::primitive_desc(
        dnnl::inner_product_forward::desc(prop_kind::forward_inference, pd_pos.src_desc(),
                                          pd_pos.weights_desc(), bias_md, pd_pos.dst_desc()),
        attr_neg, eng_);
    const dnnl::memory w_pos = constant_memory(w, pd_pos.weights_desc());
    const dnnl::memory w_neg =
        pd_neg.weights_desc() == pd_pos.weights_desc() ? w_pos : constant_memory(w, pd_neg.weights_desc());
    const auto [pos, neg] = split_quantized_as(x, pd_pos.src_desc(), static_cast<float>(q->input_scale));
    const MemRef dst = define_value(grp.output, pd_pos.dst_desc());
    add_primitive(
        dnnl::inner_product_forward(pd_pos),
        {{DNNL_ARG_SRC, pos}, {DNNL_ARG_WEIGHTS, {pd_pos.weights_desc(), -1, w_pos}}, {DNNL_ARG_DST, dst}});
    std::vector<std::pair<int, MemRef>> refs{
        {DNNL_ARG_SRC, neg}, {DNNL_ARG_WEIGHTS, {pd_neg.weights_desc(), -1, w_neg}}, {DNNL_ARG_DST, dst}};
    if (!c.empty())
      refs.push_back({DNNL_ARG_BIAS, {pd_neg.bias_desc(), -1, constant_memory(c, pd_neg.bias_desc())}});
    add_primitive(dnnl::inner_product_forward(pd_neg), std::move(refs));
    summary_ += "int8 gemm " + n.name + " (signed: 2 x u8)\n";
    return true;
  }
  auto pd = dnnl::inner_product_forward::primitive_desc(
      dnnl::inner_product_forward::desc(prop_kind::forward_inference, src_md, w_md, bias_md,
                                        plain_md({M, N})),
      attr, eng_);
  std::vector<std::pair<int, MemRef>> refs;
  refs.push_back({DNNL_ARG_SRC, int8 ? quantized_as(x, pd.src_desc(), static_cast<float>(q->input_scale))
                                : q  ? fake_quantized_as(x, pd.src_desc(), static_cast<float>(q->input_scale))
                                     : value_as(x, pd.src_desc())});
  refs.push_back({DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, constant_memory(w, pd.weights_desc())}});
  if (!c.empty()) refs.push_back({DNNL_ARG_BIAS, {pd.bias_desc(), -1, constant_memory(c, pd.bias_desc())}});
  refs.push_back({DNNL_ARG_DST, define_value(grp.output, pd.dst_desc())});
  add_primitive(dnnl::inner_product_forward(pd), std::move(refs));
  if (q) summary_ += std::string(int8 ? "int8 " : "fake-quant ") + "gemm " + n.name + "\n";
  return true;
}

}  // namespace qd::runtime::onednn
