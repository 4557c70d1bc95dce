#include "runtime/onednn/se_scale_folding.h"

#include <algorithm>

#include "core/error.h"

namespace qd::runtime::onednn {

std::vector<FoldedScale> find_foldable_scales(const ir::Graph& g, const std::vector<bool>& fp32_conv) {
  std::vector<FoldedScale> found;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& n = g.nodes()[i];
    if (n.op != ir::OpKind::Mul || n.inputs.size() != 2 || n.outputs.empty()) continue;
    const ir::ValueId y = n.outputs[0];
    ir::ValueId x = n.inputs[0], s = n.inputs[1];
    if (x == ir::kNoValue || s == ir::kNoValue || x == s || y == ir::kNoValue) continue;
    if (g.value(x).is_constant() || g.value(s).is_constant() || g.is_graph_output(y)) continue;
    if (g.value(x).shape.size() == 4 && g.value(x).shape[2] * g.value(x).shape[3] == 1) std::swap(x, s);
    const Shape& xs = g.value(x).shape;
    const Shape& ss = g.value(s).shape;
    if (xs.size() != 4 || xs[0] != 1 || ss != Shape{1, xs[1], 1, 1} || g.value(y).shape != xs) continue;
    const auto cons = g.consumers(y);
    if (cons.size() != 1) continue;
    const ir::Node& c = g.node(cons[0]);
    if (c.op != ir::OpKind::Conv || !fp32_conv[cons[0]] || c.inputs.size() < 2 || c.inputs[0] != y) continue;
    if (std::count(c.inputs.begin(), c.inputs.end(), y) != 1 || c.attr<ir::ConvAttrs>().group != 1) continue;
    const ir::Value& w = g.value(c.inputs[1]);
    if (!w.is_constant() || w.shape.size() != 4 || w.shape[1] != xs[1] || w.shape[2] != 1 || w.shape[3] != 1)
      continue;
    if (w.shape[0] >= xs[2] * xs[3]) continue;  // rescaling the weights would cost more than the Mul
    found.push_back({static_cast<ir::NodeId>(i), cons[0], x, s});
  }
  return found;
}

namespace {

struct OutputBlocking {
  int64_t block, block_stride, in_stride;
};

// The layout of 4-D weights [O, C, 1, 1] as blocks of `block` output channels (1: none) `block_stride`
// floats apart, input channel c at c * in_stride in a block; false for any other blocking.
bool output_blocking(const dnnl::memory::desc& md, OutputBlocking& b) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.ndims != 4 || d.format_kind != dnnl_blocked || d.data_type != dnnl_f32 || d.dims[2] != 1 ||
      d.dims[3] != 1)
    return false;
  const dnnl_blocking_desc_t& blk = d.format_desc.blocking;
  if (blk.inner_nblks > 1 || (blk.inner_nblks == 1 && blk.inner_idxs[0] != 0)) return false;
  b.block = blk.inner_nblks == 1 ? blk.inner_blks[0] : 1;
  b.block_stride = blk.strides[0];
  b.in_stride = blk.strides[1];
  return d.offset0 == 0;
}

}  // namespace

bool InputChannelScaleStep::supports(const dnnl::memory::desc& weights) {
  OutputBlocking b;
  return output_blocking(weights, b);
}

InputChannelScaleStep::InputChannelScaleStep(dnnl::memory weights, dnnl::memory pristine, int scale_buffer)
    : weights_(std::move(weights)), pristine_(std::move(pristine)), scale_buffer_(scale_buffer) {
  OutputBlocking b;
  const dnnl::memory::desc md = weights_.get_desc();
  QD_CHECK(output_blocking(md, b), "InputChannelScaleStep: unsupported weight layout");
  out_channels_ = md.data.dims[0];
  in_channels_ = md.data.dims[1];
  block_ = b.block;
  block_stride_ = b.block_stride;
  in_stride_ = b.in_stride;
}

void InputChannelScaleStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // the scale's producer has finished
  const float* s = static_cast<const float*>((*ctx.buffers)[scale_buffer_]);
  const float* p = static_cast<const float*>(pristine_.get_data_handle());
  float* w = static_cast<float*>(weights_.get_data_handle());
  for (int64_t ob = 0; ob * block_ < out_channels_; ++ob) {
    const int64_t n = std::min(block_, out_channels_ - ob * block_);
    for (int64_t c = 0; c < in_channels_; ++c) {
      const int64_t at = ob * block_stride_ + c * in_stride_;
      const float sc = s[c];
      for (int64_t k = 0; k < n; ++k) w[at + k] = p[at + k] * sc;
    }
  }
}

}  // namespace qd::runtime::onednn
