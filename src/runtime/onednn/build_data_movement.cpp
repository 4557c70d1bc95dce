// oneDNN builders for ops that only move data: channel Slice/Split (ShuffleNet's channel split) as reorders
// of sub-memories, ShuffleChannel as oneDNN's shuffle, and Reduce over H,W (a global pool written as
// x.mean((2, 3))) as pooling. The reference kernels index element by element: on ShuffleNetV2 they were 40%
// of the time (Slice 3.0 of 8.8 ms, ReduceMean 0.76 ms at 224x224, one thread).
#include "runtime/onednn/executor_impl.h"

namespace qd::runtime::onednn {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

namespace {

struct Part {
  memory::dims dims, offsets;
};

// The parts a Slice (all steps 1) or Split cuts from a tensor of shape `xs`; empty when not expressible.
std::vector<Part> slice_parts(const ir::Node& n, const Shape& xs) {
  const memory::dims full(xs.begin(), xs.end());
  std::vector<Part> parts;
  if (n.op == ir::OpKind::Split) {
    const auto& a = n.attr<ir::SplitAttrs>();
    int64_t begin = 0;
    for (int64_t size : a.sizes) {
      Part p{full, memory::dims(xs.size(), 0)};
      p.dims[a.axis] = size;
      p.offsets[a.axis] = begin;
      begin += size;
      if (size <= 0) return {};
      parts.push_back(p);
    }
    return parts;
  }
  const auto& a = n.attr<ir::SliceAttrs>();
  Part p{full, memory::dims(xs.size(), 0)};
  for (size_t i = 0; i < a.axes.size(); ++i) {
    const int64_t ax = a.axes[i];
    if (a.steps[i] != 1) return {};
    const int64_t end = std::min(a.ends[i], xs[ax]);
    if (end - a.starts[i] <= 0) return {};
    p.dims[ax] = end - a.starts[i];
    p.offsets[ax] = a.starts[i];
  }
  return {p};
}

}  // namespace

bool OneDnnExecutor::build_slice(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0);
  const ir::Value& xv = graph_.value(x);
  if (xv.is_constant() || values_[x].int8_step > 0.f) return false;
  const std::vector<Part> parts = slice_parts(n, xv.shape);
  if (parts.empty() || parts.size() != n.outputs.size()) return false;
  // The value's own layout when the cut is aligned to its blocks (oneDNN refuses otherwise), else plain.
  const memory::desc plain = plain_md(xv.shape, values_[x].md.data_type());
  memory::desc src = values_[x].md;
  std::vector<memory::desc> subs;
  try {
    for (const Part& p : parts) subs.push_back(src.submemory_desc(p.dims, p.offsets));
  } catch (const dnnl::error&) {
    subs.clear();
    src = plain;
    for (const Part& p : parts) subs.push_back(src.submemory_desc(p.dims, p.offsets));
  }
  // Parts of an nhwc value stay nhwc (ShuffleNetV2's halves go on to nhwc convs and concats), else plain.
  const bool nhwc =
      xv.shape.size() == 4 && src == memory::desc(memory::dims(xv.shape.begin(), xv.shape.end()),
                                                  src.data_type(), memory::format_tag::nhwc);
  std::vector<dnnl::reorder::primitive_desc> pds;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Shape out_shape(parts[i].dims.begin(), parts[i].dims.end());
    pds.emplace_back(eng_, subs[i], eng_,
                     nhwc ? memory::desc(parts[i].dims, src.data_type(), memory::format_tag::nhwc)
                          : plain_md(out_shape, src.data_type()));
  }
  const MemRef in = src == values_[x].md ? value_ref(x) : value_as(x, src);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (n.outputs[i] == ir::kNoValue) continue;
    add_primitive(dnnl::reorder(pds[i]), {{DNNL_ARG_FROM, MemRef{subs[i], in.buffer, {}}},
                                          {DNNL_ARG_TO, define_value(n.outputs[i], pds[i].dst_desc())}});
  }
  return true;
}

bool OneDnnExecutor::build_shuffle_channel(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  const ir::Value& xv = graph_.value(x);
  if (xv.is_constant() || values_[x].int8_step > 0.f || xv.shape.size() < 2) return false;
  const int64_t group = n.attr<ir::ShuffleChannelAttrs>().group;
  const memory::desc md = plain_md(xv.shape, values_[x].md.data_type());
  // oneDNN's group_size is the number of channels per group of the transposed view: for output channel
  // k*group + g <- input g*(C/group) + k it is C/group.
  auto pd = dnnl::shuffle_forward::primitive_desc(
      dnnl::shuffle_forward::desc(prop_kind::forward_inference, md, 1, xv.shape[1] / group), eng_);
  const MemRef src = value_as(x, md);
  add_primitive(dnnl::shuffle_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, define_value(y, md)}});
  return true;
}

bool OneDnnExecutor::build_reduce(const ir::Node& n) {
  const ir::ValueId x = n.inputs.at(0), y = n.outputs.at(0);
  const ir::Value& xv = graph_.value(x);
  if (xv.is_constant() || xv.shape.size() != 4) return false;
  if (n.op != ir::OpKind::ReduceMean && n.op != ir::OpKind::ReduceMax) return false;
  const auto& a = n.attr<ir::ReduceAttrs>();
  std::vector<int64_t> axes = a.axes;
  std::sort(axes.begin(), axes.end());
  if (axes != std::vector<int64_t>{2, 3}) return false;
  const Shape& xs = xv.shape;
  const memory::dims pooled{xs[0], xs[1], 1, 1};
  const memory::desc dst(pooled, memory::data_type::f32, memory::format_tag::nchw);
  // Plain NCHW in and out: with a blocked source and a plain destination oneDNN 2.6 picks its reference
  // pooling (1 ms for 1024x7x7 on ShuffleNetV2).
  auto pd = dnnl::pooling_forward::primitive_desc(
      dnnl::pooling_forward::desc(
          prop_kind::forward_inference,
          n.op == ir::OpKind::ReduceMax ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding,
          plain_md(xs), dst, {1, 1}, {xs[2], xs[3]}, {0, 0}, {0, 0}),
      eng_);
  const MemRef src = value_as(x, pd.src_desc());
  // keepdims 0: the same bytes seen as [N, C]
  const memory::desc out = a.keepdims ? dst : dst.reshape({xs[0], xs[1]});
  const MemRef o = define_value(y, out);
  add_primitive(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, MemRef{dst, o.buffer, {}}}});
  return true;
}

}  // namespace qd::runtime::onednn
