#include "runtime/onednn/conv_swish_rows.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/parallel_spans.h"
#include "runtime/onednn/swish_step.h"

namespace qd::runtime::onednn {

int64_t conv_swish_rows_per_chunk(int64_t row_out_floats, int threads) {
  constexpr int64_t kChunkBytes = 256 << 10;  // per thread: each writes and reads its share in its own L2
  return std::max<int64_t>(
      1, kChunkBytes * std::max(threads, 1) / (row_out_floats * static_cast<int64_t>(sizeof(float))));
}

std::vector<int64_t> conv_swish_row_heights(int64_t rows, int64_t per_chunk) {
  const int64_t n = (rows + per_chunk - 1) / per_chunk, base = rows / n, taller = rows % n;
  std::vector<int64_t> heights(static_cast<size_t>(n), base);
  for (int64_t k = 0; k < taller; ++k) ++heights[static_cast<size_t>(k)];
  return heights;
}

std::vector<ConvSwishQuantizeRowsStep::Chunk> conv_swish_row_chunks(
    const dnnl::engine& eng, const dnnl::convolution_forward::primitive_desc& pd,
    const dnnl::primitive_attr& attr) {
  using dnnl::memory;
  const memory::desc src = pd.src_desc(), dst = pd.dst_desc();
  const memory::dims sd = src.dims(), dd = dst.dims();
  if (sd.size() != 4 || src != memory::desc(sd, src.data_type(), memory::format_tag::nhwc) ||
      dst != memory::desc(dd, dst.data_type(), memory::format_tag::nhwc))
    return {};
  // nhwc: the batch's rows follow each other, so N images of H rows are one image of N * H rows.
  const int64_t rows = dd[0] * dd[2], width = dd[3];
  // The threads oneDNN makes the primitives for (the executor sets them while compiling).
  const int64_t per_chunk = conv_swish_rows_per_chunk(width * dd[1], omp_get_max_threads());
  if (per_chunk >= rows) return {};
  std::vector<ConvSwishQuantizeRowsStep::Chunk> chunks;
  try {
    std::vector<ConvSwishQuantizeRowsStep::Chunk> made;  // one per height (at most two)
    auto chunk_of = [&](int64_t r) {
      for (const auto& c : made)
        if (c.rows == r) return c;
      ConvSwishQuantizeRowsStep::Chunk c;
      c.src_md = memory::desc({1, sd[1], r, width}, src.data_type(), memory::format_tag::nhwc);
      c.dst_md = memory::desc({1, dd[1], r, width}, dst.data_type(), memory::format_tag::nhwc);
      const dnnl::convolution_forward::primitive_desc cpd(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                          dnnl::algorithm::convolution_direct, c.src_md, pd.weights_desc(),
                                          pd.bias_desc(), c.dst_md, {1, 1}, {0, 0}, {0, 0}, {0, 0}),
          attr, eng);
      c.impl = cpd.impl_info_str();
      c.conv = dnnl::convolution_forward(cpd);
      c.rows = r;
      made.push_back(c);
      return c;
    };
    int64_t r0 = 0;
    for (const int64_t h : conv_swish_row_heights(rows, per_chunk)) {
      ConvSwishQuantizeRowsStep::Chunk c = chunk_of(h);
      if (onednn_reference_kernel(c.impl)) return {};  // then the conv runs whole
      c.first_row = r0;
      r0 += h;
      chunks.push_back(std::move(c));
    }
  } catch (const dnnl::error&) {
    return {};  // oneDNN has no kernel for a chunk: the conv runs whole
  }
  return chunks;
}

void ConvSwishQuantizeRowsStep::finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {
  memories_.clear();
  args_.clear();
  for (const Chunk& c : chunks_) {
    char* src = static_cast<char*>(buffers.at(src_)) + c.first_row * row_in_ * in_bytes_;
    std::vector<dnnl::memory> mems{dnnl::memory(c.src_md, eng, src), weights_,
                                   dnnl::memory(c.dst_md, eng, buffers.at(scratch_))};
    std::vector<dnnl_exec_arg_t> args{
        {DNNL_ARG_SRC, mems[0].get()}, {DNNL_ARG_WEIGHTS, mems[1].get()}, {DNNL_ARG_DST, mems[2].get()}};
    if (bias_) {
      mems.push_back(bias_);
      args.push_back({DNNL_ARG_BIAS, bias_.get()});
    }
    memories_.push_back(std::move(mems));
    args_.push_back(std::move(args));
  }
}

void ConvSwishQuantizeRowsStep::execute(RunContext& ctx) {
  const float* scratch = static_cast<const float*>((*ctx.buffers)[scratch_]);
  int8_t* dst = static_cast<int8_t*>((*ctx.buffers)[dst_]);
  for (size_t k = 0; k < chunks_.size(); ++k) {
    const Chunk& c = chunks_[k];
    dnnl::error::wrap_c_api(dnnl_primitive_execute(c.conv.get(), ctx.stream->get(),
                                                   static_cast<int>(args_[k].size()), args_[k].data()),
                            "could not execute a primitive");
    ctx.stream->wait();
    const int64_t count = c.rows * row_out_;
    int8_t* out = dst + c.first_row * row_out_;
    // Each thread the contiguous part of the chunk it would have written.
    for_spans(count, 64, 1,
              [&](int64_t b, int64_t e) { swish_quantize(scratch + b, out + b, e - b, step_); });
  }
}

}  // namespace qd::runtime::onednn
