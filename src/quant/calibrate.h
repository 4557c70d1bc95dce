// Post-training calibration: run the fp32 model over calibration batches, observe the input activation of
// every quantizable node through runtime taps, and turn the statistics into ir::QuantParams.
// "Collect once, compute many": collect_stats() runs the model once; params_from_stats() applies any range
// method / target to the same statistics without re-running the model.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/model.h"
#include "quant/observers/activation_stats.h"
#include "quant/ranges/range_options.h"
#include "runtime/executor.h"
#include "settings/deploy_target.h"
#include "settings/range_method.h"

namespace qd::quant {

struct CalibOptions {
  RangeMethod method = RangeMethod::kl;      // activation range method
  float percentile = 99.99;                  // for RangeMethod::percentile
  DeployTarget target = DeployTarget::ncnn;  // its profile decides weight bits and grouped-conv scales
  int num_threads = 0;                       // runtime and histogram threads; 0 = all cores
  int64_t batch = 1;    // batch size of the source's batches (the executor is compiled for it)
  int weight_bits = 0;  // 0 = by target; 4, 6 or 8 forces it for every node (parse_weight_bits at the edge)
  int histogram_bins = AbsHistogram::kDefaultBins;  // streaming |x| histogram resolution
};

// The range options implied by calibration options (int8 activations).
RangeOptions range_options(const CalibOptions& options);

// Calibration images, already preprocessed: quant never reads image files.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Fills `batch` with the next f32 NCHW batch ([N, C, H, W]; the last one may be smaller); false at the end.
  virtual bool next(Tensor& batch) = 0;
  // Number of batches in total, for progress (0 if unknown).
  virtual size_t size() const = 0;
  // Starts again from the first batch, for a second statistics pass (kl); false when the source cannot
  // (then kl uses the streaming histogram of the first pass).
  virtual bool rewind() { return false; }
};

// Called after each batch with (batches done, BatchSource::size()).
using CalibProgress = std::function<void(size_t done, size_t total)>;

// Builds an fp32 executor for `model` compiled for `batch` images.
using ExecutorFactory =
    std::function<std::unique_ptr<runtime::Executor>(const ir::Model& model, int64_t batch)>;

// Measured (ResNet-20, 1,000 calib images, 10,000 CIFAR-10 test images, oneDNN int8): fp32 0.8653; kl/ncnn
// 0.8643 (ncnn's own 0.8641), mse 0.8651, percentile 0.8648, minmax 0.8639, aciq 0.8638 (ncnn target);
// see tests/quant/ncnn_parity/resnet20_method_study_test.cpp.

// A node that gets int8 parameters: Conv / Gemm with a constant weight and a non-constant input.
struct QuantizableNode {
  ir::NodeId node = -1;
  ir::ValueId input = ir::kNoValue;
  ir::ValueId weight = ir::kNoValue;
};
std::vector<QuantizableNode> quantizable_nodes(const ir::Graph& graph);

// Statistics of every observed activation, keyed by IR value name.
struct CalibrationStats {
  std::map<std::string, ActivationStats> values;
  uint64_t batches = 0, samples = 0;
  const ActivationStats* find(const std::string& value) const {
    auto it = values.find(value);
    return it == values.end() ? nullptr : &it->second;
  }
};

// True when collect_stats makes a second pass over the calibration set: method kl for a target whose
// profile asks for ncnn2table's histograms over each activation's [0, absmax]
// (ActivationStats::kl_histogram).
bool needs_kl_histogram_pass(const CalibOptions& options);

// Runs `make_executor`'s executors over every batch of `source` and observes the input of every quantizable
// node; with needs_kl_histogram_pass(options), rewinds the source and runs it again for the kl histograms
// (progress then counts the batches of both passes). Throws a user error for an empty source, a model without
// exactly one graph input, or NaN/inf in an observed activation (naming the value).
CalibrationStats collect_stats(const ir::Model& fp32_model, BatchSource& source, const CalibOptions& options,
                               const ExecutorFactory& make_executor, const CalibProgress& progress = {});
// Same, with the fast runtime: runtime::compile(model, {onednn, Int8Mode::off, num_threads, batch}).
CalibrationStats collect_stats(const ir::Model& fp32_model, BatchSource& source, const CalibOptions& options,
                               const CalibProgress& progress = {});

// Per quantizable node (keyed by node name): input_scale = step_from_threshold(method threshold, 127) and
// per-output-channel weight steps with the target's bits. output_scale is left 0 (requantization is decided
// later). Throws a user error for a node whose input has no statistics.
ir::QuantParams params_from_stats(const CalibrationStats& stats, const ir::Model& fp32_model,
                                  const CalibOptions& options);

// collect_stats() with the fast runtime, then params_from_stats().
ir::QuantParams calibrate(const ir::Model& fp32_model, BatchSource& source, const CalibOptions& options,
                          const CalibProgress& progress = {});

}  // namespace qd::quant
