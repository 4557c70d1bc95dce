// Builder of the int8 Winograd F(2x2, 3x3) / F(4x4, 3x3) conv step (see winograd_int8_conv.h).
#include <omp.h>

#include <string>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/winograd_int8_conv.h"
#include "runtime/onednn/winograd_int8_probe.h"
#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {

using dnnl::memory;

bool OneDnnExecutor::build_conv_winograd_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                                              const Tensor& bias_over_scale, const std::vector<float>& scales,
                                              float requant) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  std::vector<ir::FusedActivation> acts = grp.pre_sum;
  acts.insert(acts.end(), grp.post_sum.begin(), grp.post_sum.end());
  const ir::ValueId x = n.inputs[0];
  if (winograd_ == WinogradPolicy::never || !non_negative(x) || !winograd_int8_supported(a, w.shape(), acts))
    return false;
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (xs.size() != 4) return false;
  // when_faster: only where oneDNN has no VNNI (with it, its direct int8 kernels do 4 multiply-adds per
  // instruction and lane, twice our vpmaddwd's), and only F(4x4) on outputs of >= 16x16 pixels. Measured
  // on AVX2 (oneDNN capped, one thread, ResNet-18 CIFAR, ms per conv, direct / F(2x2) / F(4x4)): 32x32 x 64
  // ch 0.32 / 0.37 / 0.21-0.30; 16x16 x 128 ch 0.32 / 0.32 / 0.17; 8x8 x 256 ch 0.32 / 0.33 / 0.23-0.33;
  // 4x4 x 512 ch 0.34 / 0.55 / 0.9 (few tiles: the 2-19 MB of transformed weights are streamed for few
  // products). F(2x2) never won there; it runs only with WinogradPolicy::always (below 8x8 outputs).
  // With AVX-512 VNNI (oneDNN's ISA, so ONEDNN_MAX_CPU_ISA=AVX2 turns it off) the products run as vpdpwssd;
  // on ResNet-18 CIFAR (one thread, fp32 model interleaved, ms per conv, oneDNN VNNI direct -> F(4x4)):
  // 32x32 x 64 ch 0.174 -> 0.156-0.168, 16x16 x 128 ch 0.158-0.161 -> 0.133-0.150; zoo models at 224 (one
  // thread, sum over the convs): ResNet-50's three 28x28 x 128 ch 1.50 -> 1.25, but DenseNet-121's twelve
  // 28x28 128 -> 32 ch 1.53 -> 1.77 (few output channels: the transforms dominate). So on VNNI: >= 64 input
  // and output channels, outputs up to 32x32 and 2 MB of transformed weights (VGG's 512-channel convs would
  // stream 19 MB per run for few tiles), and only where the CPU's probe finds our F(4x4) faster than oneDNN's
  // direct kernel: on a later EPYC (full-width AVX-512) the direct kernel won (winograd_int8_probe.h).
  static const std::string isa = onednn_cpu_isa();
  static const bool vnni =
      winograd_int8_vnni_available() &&
      (isa == "avx512_core_vnni" || isa == "avx512_core_bf16" || isa == "avx512_core_amx");
  const Tensor qw =
      ref::int8_weights(w, q.weight_scales, q.weight_bits);  // stored int8 weights: no fp32 copy
  int tile = ys[2] >= 8 && ys[3] >= 8 ? 4 : 2;
  if (winograd_ == WinogradPolicy::when_faster) {
    if (xs[1] < kMinWinogradInt8Channels || ys[1] < kMinWinogradInt8Channels ||
        ys[2] * ys[3] < kMinWinogradInt8Pixels || (!onednn_is_avx2() && !vnni) ||
        (vnni &&
         (ys[2] * ys[3] > kMaxWinogradInt8VnniPixels || xs[1] < kMinWinogradInt8VnniChannels ||
          ys[1] < kMinWinogradInt8VnniChannels || 36 * xs[1] * ys[1] * 2 > kMaxWinogradInt8VnniWeightBytes ||
          !winograd_int8_beats_direct_vnni(eng_))))  // measured once: depends on the core (see the probe)
      return false;
    tile = 4;
  }
  if (tile == 4 && !winograd_int8_exact(qw, 4)) {
    if (winograd_ == WinogradPolicy::when_faster) return false;
    tile = 2;
  }
  if (tile == 2 && !winograd_int8_exact(qw, 2)) return false;

  WinogradInt8Shape s;
  s.N = xs[0], s.C = xs[1], s.H = xs[2], s.W = xs[3];
  s.OC = ys[1], s.OH = ys[2], s.OW = ys[3];
  s.pad_top = a.pad_top, s.pad_left = a.pad_left;
  s.tile = tile;
  s.vnni = vnni;
  winograd_int8_plan(s, omp_get_max_threads());  // the group's count: 1 for serial groups
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
  // Scratch for the transformed input and products: planned buffers, free again once this step is built.
  const int v_buf = alloc_buffer(s.v_bytes());
  ++buffer_refs_[v_buf];
  const int m_buf = alloc_buffer(s.m_bytes());
  ++buffer_refs_[m_buf];
  bool in_place_sum = false;
  const MemRef dst = conv_destination(grp, dst_md, x, in_place_sum);
  if (requant > 0.f) values_[grp.output].int8_step = requant;
  steps_.push_back(std::make_unique<WinogradInt8ConvStep>(
      s, src.buffer, dst.buffer, v_buf, m_buf, winograd_int8_weights(qw, tile, s.c_padded(), s.oc_padded()),
      std::move(e)));
  for (int buf : {v_buf, m_buf})
    if (--buffer_refs_[buf] == 0) release_buffer(buf);

  summary_ += "conv " + n.name + (requant > 0.f ? " int8->int8" : " int8") +
              fused_summary(grp, in_place_sum) + " [winograd F(" + std::to_string(tile) + "x" +
              std::to_string(tile) + ",3x3)]\n";
  return true;
}

}  // namespace qd::runtime::onednn
