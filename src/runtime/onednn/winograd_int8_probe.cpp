#include "runtime/onednn/winograd_int8_probe.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "core/threads.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/winograd_int8_conv.h"

namespace qd::runtime::onednn {

namespace {

constexpr int64_t kC = 128, kHW = 16;
constexpr int kWarmup = 3, kTimed = 9;

bool measure(const dnnl::engine& eng) {
  using dnnl::memory;
  const ThreadCountScope one_thread(1);  // restored on return and when oneDNN throws
  // Small weights (|w| <= 3) keep the Winograd's exactness bound; the values do not change the speed.
  Tensor qw(DataType::i8, {kC, kC, 3, 3});
  int8_t* w = qw.data<int8_t>();
  for (int64_t i = 0; i < qw.numel(); ++i) w[i] = static_cast<int8_t>(i % 7 - 3);
  std::vector<uint8_t> src(static_cast<size_t>(kC * kHW * kHW));
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 13 % 128);
  std::vector<uint8_t> dst(src.size());
  const std::vector<float> scales(kC, 1e-3f);

  // oneDNN's direct conv as build_conv makes it: nhwc u8 in and out, per-channel scales, requantize + clip.
  const memory::dims sd{1, kC, kHW, kHW};
  const memory::desc src_md(sd, memory::data_type::u8, memory::format_tag::nhwc),
      dst_md(sd, memory::data_type::u8, memory::format_tag::nhwc),
      w_any({kC, kC, 3, 3}, memory::data_type::s8, memory::format_tag::any);
  dnnl::post_ops po;
  po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 20.f, 0.f);
  po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip_v2, 0.f, 127.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  attr.set_output_scales(1 << 1, scales);
  const dnnl::convolution_forward::primitive_desc pd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                      src_md, w_any, memory::desc(), dst_md, {1, 1}, {1, 1}, {1, 1}),
      attr, eng);
  const dnnl::convolution_forward direct(pd);
  dnnl::stream stream(eng);
  memory src_mem(src_md, eng, src.data()), dst_mem(dst_md, eng, dst.data()), w_mem(pd.weights_desc(), eng);
  memory w_plain({{kC, kC, 3, 3}, memory::data_type::s8, memory::format_tag::oihw}, eng, w);
  dnnl::reorder(w_plain, w_mem).execute(stream, w_plain, w_mem);
  stream.wait();

  WinogradInt8Shape s;
  s.N = 1, s.C = kC, s.H = kHW, s.W = kHW, s.OC = kC, s.OH = kHW, s.OW = kHW;
  s.pad_top = 1, s.pad_left = 1;
  s.tile = 4;
  s.vnni = true;
  winograd_int8_plan(s, 1);
  std::vector<uint8_t> v(s.v_bytes()), m(s.m_bytes());
  Int8ConvEpilogue e = make_int8_conv_epilogue(kC, s.oc_padded(), scales, nullptr, 0.05f, true);
  WinogradInt8ConvStep wino(s, 0, 1, 2, 3, winograd_int8_weights(qw, 4, s.c_padded(), s.oc_padded()),
                            std::move(e));
  std::vector<void*> buffers{src.data(), dst.data(), v.data(), m.data()};
  RunContext ctx{&stream, nullptr, &buffers};

  using clock = std::chrono::steady_clock;
  double best_direct = 1e30, best_wino = 1e30;
  for (int i = 0; i < kWarmup + kTimed; ++i) {
    auto t0 = clock::now();
    direct.execute(stream, {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_DST, dst_mem}});
    stream.wait();
    auto t1 = clock::now();
    wino.execute(ctx);
    auto t2 = clock::now();
    if (i >= kWarmup) {
      best_direct = std::min(best_direct, std::chrono::duration<double>(t1 - t0).count());
      best_wino = std::min(best_wino, std::chrono::duration<double>(t2 - t1).count());
    }
  }
  return best_wino <= 0.95 * best_direct;
}

}  // namespace

bool winograd_int8_beats_direct_vnni(const dnnl::engine& eng) {
  static const bool beats = [&] {
    try {
      return measure(eng);
    } catch (const dnnl::error&) {
      return false;  // no direct kernel to compare with: the rule without the probe never gets here
    }
  }();
  return beats;
}

}  // namespace qd::runtime::onednn
