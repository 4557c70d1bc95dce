// Builder of the direct int8 3x3 conv step with int16 partial sums (see direct_int8_conv.h).
#include <string>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/direct_int8_conv.h"
#include "runtime/onednn/executor_impl.h"
#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {

using dnnl::memory;

bool OneDnnExecutor::build_conv_direct_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                                            const Tensor& bias_over_scale, const std::vector<float>& scales,
                                            float requant) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  std::vector<ir::FusedActivation> acts = grp.pre_sum;
  acts.insert(acts.end(), grp.post_sum.begin(), grp.post_sum.end());
  const ir::ValueId x = n.inputs[0];
  if (int8_direct_ == KernelPolicy::never || !non_negative(x) || !direct_int8_supported(a, w.shape(), acts))
    return false;
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (xs.size() != 4) return false;
  // when_faster: only where oneDNN has no VNNI (with it, vpdpbusd does 32 multiply-adds per instruction,
  // more than the 32 per 1 + 1/k multiplies here), on outputs of at most 8x8 pixels (larger ones run the int8
  // Winograd), and only when its blocks and taps sum at least 2 K steps in int16 on average.
  // The cheap conditions first: packing the weights took 40% of ResNet-18 CIFAR's int8 load time on VNNI
  // machines, where the kernel never runs.
  if (int8_direct_ == KernelPolicy::when_faster &&
      (!onednn_is_avx2() || ys[2] * ys[3] > kMaxDirectInt8Pixels))
    return false;
  const Tensor qw = ref::int8_weights(w, q.weight_scales, q.weight_bits);
  DirectInt8Shape s;
  s.N = xs[0], s.C = xs[1], s.H = xs[2], s.W = xs[3];
  s.OC = ys[1], s.OH = ys[2], s.OW = ys[3];
  s.stride = a.stride_h, s.pad_top = a.pad_top, s.pad_left = a.pad_left;
  DirectInt8Weights dw = direct_int8_weights(qw, s.c_padded());
  double mean_steps = 0;
  for (uint8_t k : dw.steps) mean_steps += k;
  mean_steps /= static_cast<double>(dw.steps.size());
  if (int8_direct_ == KernelPolicy::when_faster && mean_steps < kMinDirectInt8Steps) return false;

  Int8ConvEpilogue e = make_int8_conv_epilogue(
      s.OC, s.oc_padded(), scales, bias_over_scale.empty() ? nullptr : bias_over_scale.data<float>(), requant,
      non_negative(grp.output));
  e.pre_sum = grp.pre_sum;
  e.post_sum = grp.post_sum;
  e.sum = grp.residual != ir::kNoValue;
  const auto dst_dt = e.dst == Int8Dst::f32  ? memory::data_type::f32
                      : e.dst == Int8Dst::u8 ? memory::data_type::u8
                                             : memory::data_type::s8;
  const memory::desc src_md(memory::dims(xs.begin(), xs.end()), memory::data_type::u8,
                            memory::format_tag::nhwc);
  const memory::desc dst_md(memory::dims(ys.begin(), ys.end()), dst_dt, memory::format_tag::nhwc);
  const MemRef src = quantized_as(x, src_md, static_cast<float>(q.input_scale));
  // Scratch for the padded source and accumulators: a planned buffer, free again once this step is built.
  const int pad_buf = alloc_buffer(s.scratch_bytes());
  ++buffer_refs_[pad_buf];
  bool in_place_sum = false;
  const MemRef dst = conv_destination(grp, dst_md, x, in_place_sum);
  if (requant > 0.f) values_[grp.output].int8_step = requant;
  const std::string steps = std::to_string(mean_steps).substr(0, 3);
  steps_.push_back(
      std::make_unique<DirectInt8ConvStep>(s, src.buffer, dst.buffer, pad_buf, std::move(dw), std::move(e)));
  if (--buffer_refs_[pad_buf] == 0) release_buffer(pad_buf);

  summary_ += "conv " + n.name + (requant > 0.f ? " int8->int8" : " int8") +
              fused_summary(grp, in_place_sum) + " [direct int16 sums, mean k " + steps + "]\n";
  return true;
}

}  // namespace qd::runtime::onednn
