// Execution steps of the oneDNN executor and the buffer references they are built from. Buffers are
// planned at compile (ids), allocated once, and bound into dnnl::memory objects by finalize().
#pragma once
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/executor.h"

namespace qd::runtime::onednn {

// Where a primitive argument lives: a planned buffer (id >= 0) or a fixed memory (weights, constants).
struct MemRef {
  dnnl::memory::desc md;
  int buffer = -1;
  dnnl::memory fixed;
};

struct RunContext {
  dnnl::stream* stream = nullptr;
  const Tap* tap = nullptr;  // null or empty: no taps
  std::vector<void*>* buffers = nullptr;
};

class Step {
 public:
  virtual ~Step() = default;
  // What the profile calls this step (set by the planner); steps without a label (taps) are not timed.
  std::string prof_name, prof_op;
  // OpenMP threads while this step runs (0: the executor's count); 1 for work too small to split.
  int threads = 0;
  // Binds buffer ids to memory objects once the buffers exist.
  virtual void finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {}
  virtual void execute(RunContext& ctx) = 0;
};

// A oneDNN primitive (including reorders) with its arguments.
class PrimitiveStep : public Step {
 public:
  PrimitiveStep(dnnl::primitive prim, std::vector<std::pair<int, MemRef>> refs)
      : prim_(std::move(prim)), refs_(std::move(refs)) {}
  void finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) override;
  // Through the C API with a prebuilt argument array: no map or vector built per inference.
  void execute(RunContext& ctx) override;
  dnnl::primitive::kind kind() const { return prim_.get_kind(); }
  // oneDNN's name of the implementation it picked (e.g. "jit_wino_4x3:avx512_core", "brgconv:avx512_core").
  std::string implementation() const;

 private:
  dnnl::primitive prim_;
  std::vector<std::pair<int, MemRef>> refs_;
  std::vector<dnnl::memory> memories_;  // owners of the handles in args_
  std::vector<dnnl_exec_arg_t> args_;
};

// A node run by the reference kernels on plain NCHW f32 buffers (inputs may be constants).
class ReferenceStep : public Step {
 public:
  struct Input {
    Tensor constant;  // non-empty: use it
    int buffer = -1;  // else a plain f32 buffer of `shape`
    Shape shape;
  };
  ReferenceStep(const ir::Graph& g, const ir::Node& node, std::vector<Input> inputs, std::vector<int> outputs,
                const ir::LayerQuant* quant, Int8Mode mode)
      : graph_(g),
        node_(node),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        quant_(quant),
        mode_(mode) {}
  void execute(RunContext& ctx) override;

 private:
  const ir::Graph& graph_;
  const ir::Node& node_;
  std::vector<Input> inputs_;
  std::vector<int> outputs_;  // buffer per node output (-1: dropped)
  const ir::LayerQuant* quant_;
  Int8Mode mode_;
};

// Elementwise f32 -> s8 quantization (round half away from zero, clamp to +-127) between two buffers
// of the same layout; with `fake`, writes clamp(round(x/step))*step as f32 instead (simulation).
class QuantizeStep : public Step {
 public:
  QuantizeStep(int src, int dst, int64_t count, float step, bool fake)
      : src_(src), dst_(dst), count_(count), step_(step), fake_(fake) {}
  // Split mode: q = pos - neg with pos = max(q, 0) in `dst` and neg = max(-q, 0) in `dst_neg` (both u8).
  QuantizeStep(int src, int dst, int dst_neg, int64_t count, float step)
      : src_(src), dst_(dst), dst_neg_(dst_neg), count_(count), step_(step), fake_(false) {}
  void execute(RunContext& ctx) override;

 private:
  int src_, dst_, dst_neg_ = -1;
  int64_t count_;
  float step_;
  bool fake_;
};

// Shows a materialised value to the tap as a plain NCHW f32 tensor (only when a tap is given).
class TapStep : public Step {
 public:
  // `dequant_step` > 0: the value is s8 and is shown as q * step.
  TapStep(std::string name, Shape shape, MemRef src, const dnnl::engine& eng, float dequant_step = 0.f);
  void finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) override;
  void execute(RunContext& ctx) override;
  // Shows src * scale[c] instead (batch 1; `buffer` holds C floats): an SE scaling folded into the next
  // conv's weights (se_scale_folding.h) is shown as the value the Mul would have materialised.
  void scale_channels_by(int buffer) { channel_scale_ = buffer; }

 private:
  int channel_scale_ = -1;
  std::string name_;
  Shape shape_;
  MemRef src_;
  dnnl::memory src_mem_;
  dnnl::memory::desc plain_;
  dnnl::reorder to_plain_;  // null when the value is already plain
  bool needs_reorder_ = false;
};

// Plain (row-major) f32 memory descriptor of a shape.
dnnl::memory::desc plain_md(const Shape& shape, dnnl::memory::data_type dt = dnnl::memory::data_type::f32);
// `dims` (a broadcast shape of src0's rank) in src0's layout when that is one of the common 4-D ones
// (nchw, nhwc, nChw8c, nChw16c), else plain.
dnnl::memory::desc broadcast_md_like(const dnnl::memory::desc& src0, const Shape& dims);
// The same layout with another element type.
dnnl::memory::desc with_type(const dnnl::memory::desc& md, dnnl::memory::data_type dt);

}  // namespace qd::runtime::onednn
