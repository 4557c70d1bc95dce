// An int8 1x1 convolution with a final Swish whose consumers read int8, run a few pixel rows at a time: each
// chunk's f32 output (conv, then Swish + quantize into the s8 value) stays in L2. Run whole, the f32 output
// of EfficientNet-B0's first expand conv (112x112x96, 4.8 MB) went to memory and back: its Swish + quantize
// pass was a third of the int8 model's time. Source and destination are nhwc, where a run of rows is one
// contiguous span (a 1x1 stride-1 conv of rows r0..r1 is the same conv on a [1, C, r1 - r0, W] image).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

class ConvSwishQuantizeRowsStep : public Step {
 public:
  // One oneDNN primitive per chunk height (at most two heights, conv_swish_row_heights).
  struct Chunk {
    dnnl::primitive conv;
    std::string impl;  // the oneDNN implementation of `conv` (e.g. "brgconv_1x1:avx512_core_vnni")
    dnnl::memory::desc src_md, dst_md;
    int64_t first_row = 0, rows = 0;
  };
  // `src`: the nhwc int8 source buffer; `scratch`: f32, one chunk of output; `dst`: the s8 nhwc value;
  // `weights` / `bias` (bias may be empty): fixed memories in the layout the primitives were made for.
  // `row_in` / `row_out`: elements per row (W * C_in, W * C_out); `in_bytes`: bytes per source element.
  ConvSwishQuantizeRowsStep(std::vector<Chunk> chunks, int src, int scratch, int dst, dnnl::memory weights,
                            dnnl::memory bias, int64_t row_in, int64_t row_out, size_t in_bytes, float step)
      : chunks_(std::move(chunks)),
        src_(src),
        scratch_(scratch),
        dst_(dst),
        weights_(std::move(weights)),
        bias_(std::move(bias)),
        row_in_(row_in),
        row_out_(row_out),
        in_bytes_(in_bytes),
        step_(step) {}
  void finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) override;
  void execute(RunContext& ctx) override;
  size_t chunk_count() const { return chunks_.size(); }

 private:
  std::vector<Chunk> chunks_;
  int src_, scratch_, dst_;
  dnnl::memory weights_, bias_;
  int64_t row_in_, row_out_;
  size_t in_bytes_;
  float step_;
  // Per chunk: the memories bound at finalize (source at the chunk's rows, the scratch) and the argument
  // array the C API executes with.
  std::vector<std::vector<dnnl::memory>> memories_;
  std::vector<std::vector<dnnl_exec_arg_t>> args_;
};

// The chunks of the 1x1 stride-1 unpadded conv `pd` (made with `attr`) for ConvSwishQuantizeRowsStep: empty
// when its source or destination is not nhwc, the output fits one chunk, or oneDNN has only its reference
// kernel for a chunk. Every chunk's primitive takes pd's weights and bias layouts, so one weights memory
// serves all.
std::vector<ConvSwishQuantizeRowsStep::Chunk> conv_swish_row_chunks(
    const dnnl::engine& eng, const dnnl::convolution_forward::primitive_desc& pd,
    const dnnl::primitive_attr& attr);

// Heights of the chunks of `rows` rows, at most `per_chunk` each and as even as possible (differing by at
// most one): a short last chunk (28 rows at 9: 9, 9, 9, 1 -> 7, 7, 7, 7) wastes a conv call, and at two
// threads oneDNN 2.6 had only its reference kernel for EfficientNet-B0's one-row chunk (40 -> 240 channels,
// 28 wide: ~3.5 ms instead of ~0.02, the int8 model 2.7x slower at two threads than at one).
std::vector<int64_t> conv_swish_row_heights(int64_t rows, int64_t per_chunk);

// Rows per chunk for an output row of `row_out_floats` f32 values on `threads` threads: each thread's share
// of the chunk's f32 output about fills half of a 512 KB L2 (at least one row). Per thread, because every
// chunk costs two forks (conv, then Swish pass): at two threads 256 KB chunks of EfficientNet-B0's expand
// convs gave no speed-up over one thread.
int64_t conv_swish_rows_per_chunk(int64_t row_out_floats, int threads);

}  // namespace qd::runtime::onednn
