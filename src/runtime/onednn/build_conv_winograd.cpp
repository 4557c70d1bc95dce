// Builder of the Winograd F(2x2, 3x3) fp32 conv step (see winograd_conv.h for why and how).
#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/winograd_conv.h"

namespace qd::runtime::onednn {

using dnnl::memory;

bool OneDnnExecutor::build_conv_winograd(const FusedGroup& grp, const Tensor& w, const Tensor& b) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  std::vector<ir::FusedActivation> acts = grp.pre_sum;
  acts.insert(acts.end(), grp.post_sum.begin(), grp.post_sum.end());
  if (winograd_ == WinogradPolicy::never || !winograd_supported(a, w.shape(), acts)) return false;
  const ir::ValueId x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (xs.size() != 4) return false;
  if (winograd_ == WinogradPolicy::when_faster &&
      (ys[0] * ys[2] * ys[3] < kMinWinogradPixels || xs[1] < kMinWinogradChannels ||
       ys[1] < kMinWinogradChannels ||
       static_cast<double>(ys[0] * ys[2] * ys[3]) * xs[1] * ys[1] * 9 < kMinWinogradMacs))
    return false;

  WinogradShape s;
  s.N = xs[0], s.C = xs[1], s.H = xs[2], s.W = xs[3];
  s.OC = ys[1], s.OH = ys[2], s.OW = ys[3];
  s.pad_top = a.pad_top, s.pad_left = a.pad_left;
  const auto f32 = memory::data_type::f32;
  const memory::desc src_md(memory::dims(xs.begin(), xs.end()), f32, memory::format_tag::nChw8c);
  const memory::desc dst_md(memory::dims(ys.begin(), ys.end()), f32, memory::format_tag::nChw8c);
  const memory::desc v_md({16, s.tiles(), s.C}, f32, memory::format_tag::abc);
  const memory::desc u_any({16, s.C, s.OC}, f32, memory::format_tag::any);
  const memory::desc m_md({16, s.tiles(), s.OC}, f32, memory::format_tag::abc);
  const auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(v_md, u_any, m_md), eng_);

  const MemRef src = value_as(x, src_md);
  // Scratch for the transformed input and products: planned buffers, free again once this step is built.
  const int v_buf = alloc_buffer(v_md.get_size());
  ++buffer_refs_[v_buf];
  const int m_buf = alloc_buffer(m_md.get_size());
  ++buffer_refs_[m_buf];
  bool in_place_sum = false;
  const MemRef dst = conv_destination(grp, dst_md, x, in_place_sum);
  const dnnl::memory u = constant_memory(winograd_f23_weights(w), pd.weights_desc());
  auto gemm = std::make_unique<PrimitiveStep>(
      dnnl::matmul(pd), std::vector<std::pair<int, MemRef>>{{DNNL_ARG_SRC, {v_md, v_buf, {}}},
                                                            {DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, u}},
                                                            {DNNL_ARG_DST, {m_md, m_buf, {}}}});
  WinogradEpilogue e;
  e.bias.assign(static_cast<size_t>(s.OC), 0.f);
  if (!b.empty()) e.bias.assign(b.data<float>(), b.data<float>() + s.OC);
  e.pre_sum = grp.pre_sum;
  e.post_sum = grp.post_sum;
  e.sum = grp.residual != ir::kNoValue;
  steps_.push_back(std::make_unique<WinogradConvStep>(s, src.buffer, dst.buffer, v_buf, m_buf,
                                                      std::move(gemm), std::move(e)));
  for (int buf : {v_buf, m_buf})
    if (--buffer_refs_[buf] == 0) release_buffer(buf);

  summary_ += "conv " + n.name + " winograd F(2x2,3x3)" + fused_summary(grp, in_place_sum) + "\n";
  return true;
}

}  // namespace qd::runtime::onednn
