// Mixed precision under an accuracy budget: keep the layers whose quantization costs the most accuracy in
// fp32 until the int8 model's top-1 on a labelled validation set is within `max_drop_points` of fp32's.
// Layers are ranked by measured sensitivity (how far the model's output moves from fp32's when only that
// layer is int8) and returned to fp32 greedily, most sensitive first, re-measuring accuracy after each.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/model.h"
#include "quant/calibrate.h"

namespace qd::quant {

// Preprocessed validation images held in memory: batches of the same size, labels per row (-1 = padding,
// not counted).
struct LabelledBatches {
  std::vector<Tensor> inputs;            // f32 [B, C, H, W], all with the same B
  std::vector<std::vector<int>> labels;  // labels[i].size() == B
  int64_t batch_size() const { return inputs.empty() ? 0 : inputs.front().shape()[0]; }
  size_t images() const;
};

// Top-1 of `model` (int8 layers as in model.quant, real int8 arithmetic) on `data`, in [0, 1].
double top1_accuracy(const ir::Model& model, const LabelledBatches& data, int threads);

// Up to max_batches batches of `source` as unlabelled scoring data (all of the same size: a smaller last
// batch is dropped unless it is the only one).
LabelledBatches unlabelled_batches(BatchSource& source, size_t max_batches);

// The first output of `model` on every batch of `data`: fp32 (int8 false) or with model.quant's layers in
// int8 (real int8 arithmetic). The pieces below score such outputs, so one run serves several measures.
std::vector<Tensor> model_outputs(const ir::Model& model, const LabelledBatches& data, bool int8,
                                  int threads);
// Top-1 of per-batch class scores against data's labels (padding rows not counted), in [0, 1].
double top1_of_outputs(const std::vector<Tensor>& scores_per_batch, const LabelledBatches& data);
// SNR (dB) of `test` against `reference` over all batches; 300 when they are identical.
double outputs_snr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test);
// The same outputs scored with every image weighing the same (each batch row one image; PerImageSnr: the mean
// of the images' noise-to-signal ratios): what the PTQ choices are judged by, so that one image with outsized
// values cannot decide for all.
double outputs_image_snr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test);

// SNR (dB) of the model's first output in int8 (layers as in model.quant) against its fp32 output over every
// batch of `data` (labels not needed); 300 when they are identical.
double int8_output_snr_db(const ir::Model& model, const LabelledBatches& data, int threads);

struct LayerSensitivity {
  std::string layer;
  double output_snr_db = 0;  // model output vs fp32 with only this layer int8 (lower = more sensitive)
};

// Every quantized layer, most sensitive first, measured on at most `max_images` images of `data`.
std::vector<LayerSensitivity> rank_layer_sensitivity(const ir::Model& model, const LabelledBatches& data,
                                                     size_t max_images, int threads);

struct MixedPrecisionStep {
  std::string layer;  // returned to fp32 at this step
  double top1 = 0;    // accuracy after the step
};

struct MixedPrecisionResult {
  double fp32_top1 = 0, int8_top1 = 0, final_top1 = 0;
  std::vector<LayerSensitivity> ranking;
  std::vector<MixedPrecisionStep> steps;  // in order; their layers are the ones kept in fp32
  bool budget_met = false;                // false only if even all-fp32 misses (cannot happen) or no layers
};

// Removes layers from model.quant (most sensitive first) until fp32_top1 - top1 <= max_drop_points / 100.
// progress (may be empty) gets one line per measurement.
MixedPrecisionResult keep_sensitive_layers_fp32(ir::Model& model, const LabelledBatches& data,
                                                double max_drop_points, int threads,
                                                const std::function<void(const std::string&)>& progress = {});

// The same greedy fallback under an output-error budget, for unlabelled images: keep layers in fp32 (most
// sensitive first) until the int8 model's first output is at least `min_snr_db` from fp32's on `data`.
// Per-tensor int8 cannot follow some layers' inputs (a few channels far larger than the rest, as after
// EfficientNet's squeeze-excite scaling or in ResNet-50's late residual stream): kl clips them, and no
// threshold serves both the large and the small channels.
struct SnrBudgetStep {
  std::string layer;  // returned to fp32 at this step
  double snr_db = 0;  // int8 output vs fp32 after the step
};

struct SnrBudgetResult {
  double int8_snr_db = 0, final_snr_db = 0;  // all table layers int8; after the steps
  std::vector<LayerSensitivity> ranking;     // empty when the budget held without fallback
  std::vector<SnrBudgetStep> steps;          // their layers are the ones kept in fp32
  bool budget_met = false;
};

SnrBudgetResult keep_sensitive_layers_fp32_for_snr(
    ir::Model& model, const LabelledBatches& data, double min_snr_db, int threads,
    const std::function<void(const std::string&)>& progress = {});

}  // namespace qd::quant
