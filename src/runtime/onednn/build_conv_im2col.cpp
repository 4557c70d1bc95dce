// Builder of the im2col + matmul fp32 conv (see im2col_conv.h for why).
#include <string_view>

#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/im2col_conv.h"

namespace qd::runtime::onednn {

using dnnl::memory;

bool OneDnnExecutor::build_conv_im2col(const FusedGroup& grp, const Tensor& w, const Tensor& b) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  const ir::ValueId x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  if (xs.size() != 4 || a.group != 1 || (w.dim(2) == 1 && w.dim(3) == 1) || a.dilation_h != 1 ||
      a.dilation_w != 1 || ys[0] * ys[2] * ys[3] > kMaxIm2colPixels)
    return false;
  Im2colShape s;
  s.N = xs[0], s.C = xs[1], s.H = xs[2], s.W = xs[3], s.OH = ys[2], s.OW = ys[3];
  s.kh = static_cast<int>(w.dim(2)), s.kw = static_cast<int>(w.dim(3));
  s.stride_h = a.stride_h, s.stride_w = a.stride_w, s.pad_top = a.pad_top, s.pad_left = a.pad_left;
  const int64_t OC = ys[1];
  const auto f32 = memory::data_type::f32;
  const memory::desc rows_md({s.rows(), s.cols()}, f32, memory::format_tag::ab);
  const memory::desc w_any({s.cols(), OC}, f32, memory::format_tag::any);
  const memory::desc out_md({s.rows(), OC}, f32, memory::format_tag::ab);  // = nhwc [N, OC, OH, OW]
  const memory::desc bias_md =
      b.empty() ? memory::desc() : memory::desc({1, OC}, f32, memory::format_tag::ab);
  dnnl::post_ops po;
  for (const auto& act : grp.pre_sum) append_activation(po, act);
  if (grp.residual != ir::kNoValue) po.append_sum(1.f);
  for (const auto& act : grp.post_sum) append_activation(po, act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  dnnl::matmul::primitive_desc pd;
  try {
    pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(rows_md, w_any, bias_md, out_md), attr, eng_);
  } catch (const dnnl::error&) {
    return false;
  }
  // Only oneDNN's brgemm matmul (AVX-512): below it the matmul is its JIT sgemm, whose kernels cost the
  // first run what the gemm convolution's do (tiny_convs_on_gemm takes these convs there).
  if (std::string_view(pd.impl_info_str()).substr(0, 3) != "brg") return false;

  const MemRef src =
      value_as(x, memory::desc(memory::dims(xs.begin(), xs.end()), f32, memory::format_tag::nhwc));
  // Scratch for the rows: a planned buffer, free again once this step is built.
  const int rows_buf = alloc_buffer(rows_md.get_size());
  ++buffer_refs_[rows_buf];
  bool in_place_sum = false;
  const MemRef dst = conv_destination(
      grp, memory::desc(memory::dims(ys.begin(), ys.end()), f32, memory::format_tag::nhwc), x, in_place_sum);
  steps_.push_back(std::make_unique<Im2colStep>(s, src.buffer, rows_buf));
  const memory::desc ba16a64b({s.cols(), OC}, f32, memory::format_tag::BA16a64b);
  dnnl::memory weights;
  if (pd.weights_desc() == ba16a64b) {
    void* bytes = constant_bytes(ba16a64b.get_size());
    im2col_weights_ba16a64b(w, static_cast<float*>(bytes));
    weights = dnnl::memory(ba16a64b, eng_, bytes);
  } else {
    weights = constant_memory(im2col_weights(w), pd.weights_desc());
  }
  std::vector<std::pair<int, MemRef>> refs{{DNNL_ARG_SRC, {rows_md, rows_buf, {}}},
                                           {DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, weights}},
                                           {DNNL_ARG_DST, {out_md, dst.buffer, {}}}};
  if (!b.empty()) refs.push_back({DNNL_ARG_BIAS, {bias_md, -1, constant_memory(b, bias_md)}});
  add_primitive(dnnl::matmul(pd), std::move(refs));
  if (--buffer_refs_[rows_buf] == 0) release_buffer(rows_buf);

  summary_ += "conv " + n.name + " fp32 im2col + matmul" + fused_summary(grp, in_place_sum) + "\n";
  return true;
}

}  // namespace qd::runtime::onednn
