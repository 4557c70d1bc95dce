// Builder of the int8 conv step for signed sources where oneDNN's are inexact (see signed_int8_conv.h), and
// of depthwise convs on u8 sources on AVX2-only machines (see signed_int8_depthwise.h).
#include <string>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/signed_int8_conv.h"
#include "runtime/onednn/signed_int8_depthwise.h"
#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {

using dnnl::memory;

bool OneDnnExecutor::signed_kernel_may_take(const ir::Node& n) const {
  if (int8_signed_ == KernelPolicy::never || n.op != ir::OpKind::Conv || n.inputs.size() < 2) return false;
  const Shape& xs = graph_.value(n.inputs[0]).shape;
  const Shape& ws = graph_.value(n.inputs[1]).shape;
  const auto& a = n.attr<ir::ConvAttrs>();
  return xs.size() == 4 && ws.size() == 4 &&
         (signed_int8_supported(a, {}) || signed_int8_depthwise_supported(a, xs, ws, {}));
}

bool OneDnnExecutor::build_conv_signed_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                                            const Tensor& bias_over_scale, const std::vector<float>& scales,
                                            float requant) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  std::vector<ir::FusedActivation> acts = grp.pre_sum;
  acts.insert(acts.end(), grp.post_sum.begin(), grp.post_sum.end());
  const ir::ValueId x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (!signed_kernel_may_take(n)) return false;
  const bool depthwise = a.group > 1;
  // u8 sources: depthwise only, and (when_faster) only at stride 1 where oneDNN has AVX2 and no more (its
  // VNNI depthwise kernels are faster than ours). Measured on MobileNetV2 (AVX2-capped, one thread, ms,
  // oneDNN's u8 kernel -> ours): 3x3 stride 1 at 28x28-7x7 0.17 -> 0.15, 0.13 -> 0.11, 0.09 -> 0.08; at
  // 112x112 and 56x56 equal (0.21-0.23); stride 2 slower (56x56 -> 28x28 x 96: 0.17 -> 0.22), widening
  // the whole source to int16 for a quarter as many outputs. (Since 2026-12-07 our kernel is 12-15% faster
  // than in these figures, docs/benchmarks.md; the stride-2 choice was not re-measured.)
  const bool u8_source = non_negative(x);
  if (u8_source && (!depthwise || (int8_signed_ == KernelPolicy::when_faster &&
                                   (!onednn_is_avx2() || a.stride_h != 1 || a.stride_w != 1))))
    return false;
  if (depthwise ? !signed_int8_depthwise_supported(a, xs, w.shape(), acts) : !signed_int8_supported(a, acts))
    return false;
  const Tensor qw = ref::int8_weights(w, q.weight_scales, q.weight_bits);
  Int8ConvEpilogue e = make_int8_conv_epilogue(
      ys[1], (ys[1] + 15) / 16 * 16, scales,
      bias_over_scale.empty() ? nullptr : bias_over_scale.data<float>(), requant, non_negative(grp.output));
  e.pre_sum = grp.pre_sum;
  e.post_sum = grp.post_sum;
  e.sum = grp.residual != ir::kNoValue;
  const auto dst_dt = e.dst == Int8Dst::f32  ? memory::data_type::f32
                      : e.dst == Int8Dst::u8 ? memory::data_type::u8
                                             : memory::data_type::s8;
  const memory::desc src_md(memory::dims(xs.begin(), xs.end()),
                            u8_source ? memory::data_type::u8 : memory::data_type::s8,
                            memory::format_tag::nhwc);
  const memory::desc dst_md(memory::dims(ys.begin(), ys.end()), dst_dt, memory::format_tag::nhwc);
  const MemRef src = quantized_as(x, src_md, static_cast<float>(q.input_scale));
  SignedInt8Shape s;
  s.N = xs[0], s.C = xs[1], s.H = xs[2], s.W = xs[3];
  s.OC = ys[1], s.OH = ys[2], s.OW = ys[3];
  s.kh = static_cast<int>(w.dim(2)), s.kw = static_cast<int>(w.dim(3));
  s.stride_h = a.stride_h, s.stride_w = a.stride_w, s.pad_top = a.pad_top, s.pad_left = a.pad_left;
  SignedInt8DepthwiseShape ds;
  ds.N = s.N, ds.C = s.C, ds.H = s.H, ds.W = s.W, ds.OH = s.OH, ds.OW = s.OW;
  ds.kh = s.kh, ds.kw = s.kw, ds.stride_h = s.stride_h, ds.stride_w = s.stride_w, ds.pad_top = s.pad_top;
  ds.pad_left = s.pad_left;
  ds.u8_source = u8_source;
  // Scratch for the widened source: a planned buffer, free again once this step is built.
  const int pad_buf = alloc_buffer(depthwise ? ds.scratch_bytes() : s.scratch_bytes());
  ++buffer_refs_[pad_buf];
  bool in_place_sum = false;
  const MemRef dst = conv_destination(grp, dst_md, x, in_place_sum);
  if (requant > 0.f) values_[grp.output].int8_step = requant;
  if (depthwise)
    steps_.push_back(std::make_unique<SignedInt8DepthwiseStep>(
        ds, src.buffer, dst.buffer, pad_buf, signed_int8_depthwise_weights(qw), std::move(e)));
  else
    steps_.push_back(std::make_unique<SignedInt8ConvStep>(s, src.buffer, dst.buffer, pad_buf,
                                                          signed_int8_weights(qw), std::move(e)));
  if (--buffer_refs_[pad_buf] == 0) release_buffer(pad_buf);

  summary_ += "conv " + n.name + (u8_source ? " int8" : " int8(signed)") + (requant > 0.f ? "->int8" : "") +
              fused_summary(grp, in_place_sum) +
              (depthwise ? " [int16 pairs, depthwise]\n" : " [int16 pairs]\n");
  return true;
}

}  // namespace qd::runtime::onednn
