// The oneDNN executor's compile-time planner and run loop (internal header).
#pragma once
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "runtime/executor.h"
#include "runtime/onednn/fusion.h"
#include "runtime/onednn/se_scale_folding.h"
#include "runtime/onednn/steps.h"
#include "runtime/onednn/swish_step.h"

namespace qd::runtime::onednn {

struct BatchNormChannels;

class OneDnnExecutor : public Executor {
 public:
  OneDnnExecutor(const ir::Model& model, const CompileOptions& options);
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Tap& tap) override;
  std::vector<StepProfile> last_profile() const override { return profile_; }
  const std::string& summary() const { return summary_; }
  bool whole_model_serial() const { return whole_model_serial_; }

 private:
  // --- memory plan (compile time) ---
  struct ValueState {
    dnnl::memory::desc md;  // layout the value is materialised in
    int buffer = -1;
    bool live = false;
    std::vector<std::pair<dnnl::memory::desc, int>> copies;  // reordered copies, freed with the value
    float int8_step = 0.f;  // > 0: the value is materialised as s8 with this step
    struct Quantized {
      dnnl::memory::desc md;
      float step;
      int buffer;
    };
    std::vector<Quantized> quantized;  // s8 (or fake-quantized f32) copies, freed with the value
  };
  // s8 memory of value v in layout `want_s8` quantized with `step` (shared between readers).
  MemRef quantized_as(ir::ValueId v, const dnnl::memory::desc& want_s8, float step);
  // Two u8 buffers (layout `want_u8`) with q = pos - neg for a signed value v.
  std::pair<MemRef, MemRef> split_quantized_as(ir::ValueId v, const dnnl::memory::desc& want_u8, float step);
  // f32 copy of v in layout `want` with every element fake-quantized (Int8Mode::simulate).
  MemRef fake_quantized_as(ir::ValueId v, const dnnl::memory::desc& want, float step);
  const ir::LayerQuant* quant_of(const ir::Node& n) const;
  float requant_step(const ir::Graph& g, ir::NodeId conv);
  // The common input step of v's readers when they are all int8 Convs reading v as their source (so v
  // may be materialised as s8/u8 with it), else 0.
  float int8_consumer_step(ir::ValueId v);
  // True when value v is >= 0 by construction (Relu & co., pooling/reshaping of such values). Such
  // values are quantized to u8: on AVX2 without VNNI oneDNN halves s8-source weights (scale_adjust 0.5,
  // inexact), while u8 sources in [0,127] accumulate exactly.
  bool non_negative(ir::ValueId v);
  std::vector<int8_t> nonneg_memo_;  // -1 unknown
  // True when an int8 Conv/Gemm reading v must split it into two u8 halves (signed v on a machine where
  // oneDNN's s8 sources are inexact, see s8_sources_exact); false when v is read as u8 or s8 directly.
  bool needs_split(ir::ValueId v) { return !s8_sources_exact_ && !non_negative(v); }
  // Per node: an int8 Conv whose signed source is split into two u8 halves (build_conv_int8_signed) rather
  // than read by our int16 kernel (build_conv_signed_int8).
  std::vector<bool> signed_split_;
  std::vector<bool> gelu_ok_;  // per node: a conv that may take a following GELU as a post-op
  // Per node: how an earlier group's step already wrote its outputs, for the plan summary ("written by the
  // Concat+ShuffleChannel": a channel Slice/Split; "computed by the Swish pass": an SE GlobalAveragePool,
  // SwishPoolStep), or nullptr when the node is built itself.
  std::vector<const char*> written_before_;
  // The GlobalAveragePool reading conv output y (in layout md, before its Swish pass) that the pass can
  // compute, with the pass's shape; -1 when there is none or the layout is not nhwc or nChw16c f32.
  ir::NodeId swish_pool_consumer(ir::ValueId y, const dnnl::memory::desc& md, SwishPoolShape& shape) const;
  // Whether the int16 kernel supports conv n's shape and attributes (its fused activations checked later).
  bool signed_kernel_may_take(const ir::Node& n) const;
  bool s8_sources_exact_ = false;
  int alloc_buffer(size_t bytes);
  void release_value(ir::ValueId v);
  void release_buffer(int b);
  // Memory of value v in layout `want`; the first request for a new layout adds a reorder into a copy
  // that lives as long as v, so later readers share it.
  MemRef value_as(ir::ValueId v, const dnnl::memory::desc& want);
  MemRef value_ref(ir::ValueId v) const { return {values_[v].md, values_[v].buffer, {}}; }
  // Materialises node output v in layout md in a fresh buffer (or `buffer` when >= 0).
  MemRef define_value(ir::ValueId v, const dnnl::memory::desc& md, int buffer = -1);
  dnnl::memory constant_memory(const Tensor& t, const dnnl::memory::desc& want);
  // Zeroed bytes for a constant memory, cut from shared chunks: the weights of a model fill a few huge pages
  // (core/aligned_buffer) instead of each weight faulting in its own 4 KB pages.
  void* constant_bytes(size_t bytes);
  static constexpr size_t kConstantChunkBytes = size_t{8} << 20;
  char* constants_next_ = nullptr;
  size_t constants_left_ = 0;
  // One scratchpad for every constant reorder, grown to the largest and dropped after compilation. oneDNN's
  // own scratchpad for a reorder is allocated and freed per execution, so each Winograd weight transform
  // (scratch of up to several MB) faulted in fresh 4 KB pages: ResNet-18 CIFAR compile 115-245 ms, ~4000
  // page faults more than without Winograd.
  void* constant_reorder_scratch(size_t bytes);
  std::shared_ptr<void> reorder_scratch_;
  size_t reorder_scratch_bytes_ = 0;

  // --- group builders (return false to fall back to the reference kernel) ---
  void build_group(const FusedGroup& grp);
  bool build_conv(const FusedGroup& grp);
  // Destination of a conv group: with a residual, the residual's buffer (in place) or a copy of it.
  MemRef conv_destination(const FusedGroup& grp, const dnnl::memory::desc& dst_md, ir::ValueId x,
                          bool& in_place_sum);
  // The plan summary's " +bn +Relu +sum(in-place) ..." part of a conv group.
  static std::string fused_summary(const FusedGroup& grp, bool in_place_sum);
  // fp32 3x3 stride-1 convs as Winograd F(2x2, 3x3); false when the conv does not qualify.
  bool build_conv_winograd(const FusedGroup& grp, const Tensor& w, const Tensor& b);
  // Convs below these sizes stay direct: the transforms and the small GEMMs cost more than they save.
  // Measured on AVX2 (one thread): ResNet-20's convs (16-64 channels, <= 2.4M multiply-adds) ran 10-50%
  // slower as Winograd; ResNet-18's (64-256 channels at 32x32-8x8, 38M) 1.2-1.9x faster. At 4x4 pixels
  // (ResNet-18's 512-channel layer) the plain-layout gemm conv is faster still.
  static constexpr int64_t kMinWinogradPixels = 64;
  static constexpr int64_t kMinWinogradChannels = 64;
  static constexpr double kMinWinogradMacs = 8e6;
  // fp32 convs with at most kMaxIm2colPixels output pixels (batch included) as im2col + oneDNN's brgemm
  // matmul (im2col_conv.h); false when the conv does not qualify or the matmul is not brgemm (below
  // AVX-512). CIFAR ResNet-18's 4x4 x 512 convs (AVX-512, one thread): ~1.0 -> 0.67 ms each, its 3x3/s2
  // 0.38-0.43 -> 0.33. At 7x7 (ResNet-18 at 224) the matmul gained nothing (1.41-1.53 -> 1.44-1.50 ms) and
  // its stride-2 conv lost (0.68 -> 0.75), so larger outputs stay direct.
  bool build_conv_im2col(const FusedGroup& grp, const Tensor& w, const Tensor& b);
  static constexpr int64_t kMaxIm2colPixels = 4 * 4;
  // int8 (u8 source) 3x3 stride-1 convs as Winograd F(4x4, 3x3) on AVX2-only machines (F(2x2) or
  // F(4x4) on every machine with WinogradPolicy::always); false when the conv does not qualify.
  bool build_conv_winograd_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                                const Tensor& bias_over_scale, const std::vector<float>& scales,
                                float requant);
  // ResNet-20 CIFAR on AVX2 (ms per conv, direct -> F(4x4)): 32x32 x 16 ch 0.021-0.024 -> 0.027-0.029 (the
  // transforms dominate), 16x16 x 32 ch 0.020 -> 0.017.
  static constexpr int64_t kMinWinogradInt8Channels = 32, kMinWinogradInt8Pixels = 16 * 16,
                           kMaxWinogradInt8VnniPixels = 32 * 32, kMaxWinogradInt8VnniWeightBytes = 2 << 20,
                           kMinWinogradInt8VnniChannels = 64;
  // int8 (u8 source) 3x3 stride-1/2 convs on our AVX2 direct kernel (direct_int8_conv.h); false when the
  // conv does not qualify.
  bool build_conv_direct_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                              const Tensor& bias_over_scale, const std::vector<float>& scales, float requant);
  static constexpr int64_t kMaxDirectInt8Pixels = 8 * 8;
  static constexpr double kMinDirectInt8Steps = 2;
  // int8 convs reading a signed value that needs_split() on our int16 kernel (signed_int8_conv.h); false
  // when the conv does not qualify (groups, dilation, an activation the epilogue lacks): then the split.
  bool build_conv_signed_int8(const FusedGroup& grp, const ir::LayerQuant& q, const Tensor& w,
                              const Tensor& bias_over_scale, const std::vector<float>& scales, float requant);
  void build_conv_int8_signed(const FusedGroup& grp, const ir::LayerQuant& q, const dnnl::memory::dims& wdims,
                              const std::vector<float>& scales, const Tensor& bias_over_scale);
  bool build_gemm(const FusedGroup& grp);
  bool build_gemm_int8(const FusedGroup& grp, const ir::LayerQuant& q);
  bool build_pool(const ir::Node& n);
  bool build_eltwise(const ir::Node& n);
  bool build_binary(const ir::Node& n);
  bool build_batchnorm(const FusedGroup& grp);
  bool build_batchnorm_relu_u8(const FusedGroup& grp, float step);
  bool batchnorm_channels(const ir::Node& n, int64_t C, BatchNormChannels* ch) const;
  bool build_concat_batchnorm_relu(const FusedGroup& grp);
  bool build_concat_shuffle(const FusedGroup& grp);
  std::vector<ir::NodeId> channel_halves_readers(ir::ValueId y) const;
  bool build_softmax(const ir::Node& n);
  bool build_layer_norm(const ir::Node& n);
  bool build_transpose(const ir::Node& n);
  bool build_concat(const ir::Node& n);
  bool build_slice(const ir::Node& n);  // Slice (steps 1) and Split: reorders of sub-memories
  bool build_shuffle_channel(const ir::Node& n);
  bool build_reduce(const ir::Node& n);  // ReduceMean/ReduceMax over H,W: global pooling
  bool build_alias(const ir::Node& n);
  void build_reference(const ir::Node& n);
  void add_primitive(dnnl::primitive p, std::vector<std::pair<int, MemRef>> refs);

  dnnl::engine eng_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{eng_};
  ir::Graph graph_;
  int threads_ = 1;
  WinogradPolicy winograd_ = WinogradPolicy::when_faster;
  KernelPolicy int8_direct_ = KernelPolicy::when_faster;
  KernelPolicy int8_signed_ = KernelPolicy::when_faster;
  std::vector<ValueState> values_;
  std::vector<bool> tapped_;
  ir::QuantParams quant_;
  Int8Mode int8_mode_ = Int8Mode::off;
  std::vector<float> requant_step_;  // per node: > 0 when its group emits s8 with this step
  std::vector<size_t> buffer_bytes_;
  std::vector<int> buffer_refs_;  // live values using each buffer
  std::vector<int> free_buffers_;
  std::vector<int> last_use_;  // per value: index of the last group reading it
  // SE scalings folded into their 1x1 conv (se_scale_folding.h); per value y = x * s: index into folded_ or
  // -1.
  std::vector<FoldedScale> folded_;
  std::vector<int> folded_of_value_;
  // Memory of a [1, C, 1, 1] f32 value s with its C floats in order (its own buffer where the layout already
  // is).
  MemRef channel_vector(ir::ValueId s);
  // The values group member `m` reads: its inputs, with a folded y replaced by its x and s.
  std::vector<ir::ValueId> values_read(ir::NodeId m) const;
  int current_group_ = 0;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<std::shared_ptr<void>> storage_;  // owners of buffers and fixed memories
  std::vector<void*> buffer_ptrs_;
  // graph outputs: plain copy-out reorders
  struct OutputPlan {
    ir::ValueId value;
    dnnl::memory src;
    dnnl::memory::desc plain;
    dnnl::reorder to_plain;
    bool needs_reorder = false;
  };
  std::vector<OutputPlan> outputs_;
  std::string summary_;
  bool whole_model_serial_ = false;  // more threads asked for, the model too small to split
  bool profiling_ = false;
  std::vector<StepProfile> profile_;
  // Labels the steps a group added (from index `first`) for the profile.
  void label_steps(size_t first, const FusedGroup& grp);
};

// The output tile of one of oneDNN's Winograd implementations, from its name ("jit_fp32_wino_2x3" computes
// F(2x2, 3x3), "jit_wino_4x3" F(4x4, 3x3)), marked as oneDNN's (our own kernel is "winograd F(2x2)").
inline std::string onednn_winograd_tile(const std::string& impl) {
  return impl.find("2x3") != std::string::npos ? "F(2x2) oneDNN" : "F(4x4) oneDNN";
}

// oneDNN eltwise post-ops for one activation (HardSigmoid needs two).
void append_activation(dnnl::post_ops& po, const ir::FusedActivation& act);

}  // namespace qd::runtime::onednn
