#include "runtime/onednn/steps.h"

#include <algorithm>
#include <cstring>

#include "runtime/onednn/parallel_spans.h"
#include "runtime/onednn/quantize_avx512.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/quantize_simd.h"
#include "runtime/ref/run_node.h"

namespace qd::runtime::onednn {

dnnl::memory::desc plain_md(const Shape& shape, dnnl::memory::data_type dt) {
  dnnl::memory::dims dims(shape.begin(), shape.end());
  dnnl::memory::dims strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  if (shape.empty()) return dnnl::memory::desc({1}, dt, dnnl::memory::dims{1});
  return dnnl::memory::desc(dims, dt, strides);
}

dnnl::memory::desc broadcast_md_like(const dnnl::memory::desc& src0, const Shape& dims) {
  using tag = dnnl::memory::format_tag;
  if (src0.dims().size() == 4 && dims.size() == 4)
    for (tag t : {tag::nchw, tag::nhwc, tag::nChw8c, tag::nChw16c})
      if (src0 == dnnl::memory::desc(src0.dims(), src0.data_type(), t))
        return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), src0.data_type(), t);
  return plain_md(dims, src0.data_type());
}

dnnl::memory::desc with_type(const dnnl::memory::desc& md, dnnl::memory::data_type dt) {
  dnnl::memory::desc r = md;
  r.data.data_type = static_cast<dnnl_data_type_t>(dt);
  return r;
}

namespace {

// Quantize passes fork only from 32K elements on.
template <typename F>
void for_chunks(int64_t count, F f) {
  for_spans(count, 64, int64_t{1} << 15, f);
}

}  // namespace

void QuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const float* x = static_cast<const float*>((*ctx.buffers)[src_]);
  const float step = step_;
  if (fake_) {
    float* y = static_cast<float*>((*ctx.buffers)[dst_]);
    for_chunks(count_, [&](int64_t b, int64_t e) { ref::fake_quantize_span(x + b, y + b, e - b, step); });
  } else if (dst_neg_ >= 0) {
    uint8_t* p = static_cast<uint8_t*>((*ctx.buffers)[dst_]);
    uint8_t* n = static_cast<uint8_t*>((*ctx.buffers)[dst_neg_]);
    for_chunks(count_,
               [&](int64_t b, int64_t e) { ref::quantize_span_split(x + b, p + b, n + b, e - b, step); });
  } else {
    int8_t* y = static_cast<int8_t*>((*ctx.buffers)[dst_]);
    if (quantize_avx512_available())
      for_chunks(count_, [&](int64_t b, int64_t e) { quantize_span_avx512(x + b, y + b, e - b, step); });
    else
      for_chunks(count_, [&](int64_t b, int64_t e) { ref::quantize_span(x + b, y + b, e - b, step); });
  }
}

void PrimitiveStep::finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {
  memories_.clear();
  args_.clear();
  for (auto& [arg, ref] : refs_) {
    memories_.push_back(ref.buffer >= 0 ? dnnl::memory(ref.md, eng, buffers.at(ref.buffer)) : ref.fixed);
    args_.push_back({arg, memories_.back().get()});
  }
}

std::string PrimitiveStep::implementation() const {
  const char* name = nullptr;
  if (dnnl_primitive_desc_query(prim_.get_primitive_desc(), dnnl_query_impl_info_str, 0, &name) !=
          dnnl_success ||
      !name)
    return "";
  return name;
}

void PrimitiveStep::execute(RunContext& ctx) {
  dnnl::error::wrap_c_api(
      dnnl_primitive_execute(prim_.get(), ctx.stream->get(), static_cast<int>(args_.size()), args_.data()),
      "could not execute a primitive");
}

void ReferenceStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  std::vector<Tensor> in;
  for (const Input& i : inputs_)
    in.push_back(!i.constant.empty() ? i.constant
                 : i.buffer >= 0     ? Tensor::view(DataType::f32, i.shape, (*ctx.buffers)[i.buffer])
                                     : Tensor());
  std::vector<Tensor> out = ref::run_node(graph_, node_, in, quant_, mode_);
  for (size_t k = 0; k < outputs_.size() && k < out.size(); ++k)
    if (outputs_[k] >= 0 && !out[k].empty())
      std::memcpy((*ctx.buffers)[outputs_[k]], out[k].raw(), out[k].nbytes());
}

TapStep::TapStep(std::string name, Shape shape, MemRef src, const dnnl::engine& eng, float dequant_step)
    : name_(std::move(name)), shape_(std::move(shape)), src_(std::move(src)), plain_(plain_md(shape_)) {
  needs_reorder_ = !(src_.md == plain_);
  dnnl::primitive_attr attr;
  if (dequant_step > 0.f) attr.set_output_scales(0, {dequant_step});
  if (needs_reorder_)
    to_plain_ = dnnl::reorder(dnnl::reorder::primitive_desc(eng, src_.md, eng, plain_, attr));
}

void TapStep::finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {
  src_mem_ = src_.buffer >= 0 ? dnnl::memory(src_.md, eng, buffers.at(src_.buffer)) : src_.fixed;
}

void TapStep::execute(RunContext& ctx) {
  if (!ctx.tap || !*ctx.tap) return;
  ctx.stream->wait();
  Tensor t(DataType::f32, shape_);
  if (needs_reorder_) {
    dnnl::memory dst(plain_, src_mem_.get_engine(), t.raw());
    to_plain_.execute(*ctx.stream, src_mem_, dst);
    ctx.stream->wait();
  } else {
    std::memcpy(t.raw(), src_mem_.get_data_handle(), t.nbytes());
  }
  if (channel_scale_ >= 0) {
    const float* s = static_cast<const float*>((*ctx.buffers)[channel_scale_]);
    const int64_t c = shape_.at(1), per = t.numel() / c;
    float* d = t.data<float>();
    for (int64_t i = 0; i < c; ++i)
      for (int64_t k = 0; k < per; ++k) d[i * per + k] *= s[i];
  }
  (*ctx.tap)(name_, t);
}

}  // namespace qd::runtime::onednn
