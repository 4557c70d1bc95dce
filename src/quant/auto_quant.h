// Auto mode (`deploy --calib-method auto`): try several range methods and PTQ pass lists on one set of
// calibration statistics and keep the candidate with the best measured result: top-1 on labelled
// validation images when there are any (ties broken by output SNR), else the SNR of the model's output in
// int8 against fp32 on calibration images.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/mixed_precision.h"
#include "quant/ptq_passes.h"

namespace qd::quant {

struct AutoCandidate {
  RangeMethod method = RangeMethod::kl;  // activation range method
  std::vector<std::string> passes;       // PTQ passes after calibration, in a valid order
  std::string label() const;             // e.g. "kl", "kl+cross_layer_equalization"
};

// The five range methods alone; kl with method_selection, cross_layer_equalization, bias_correction, and
// all three; adaround with `with_adaround` (minutes per model: learnt rounding of every layer).
std::vector<AutoCandidate> default_auto_candidates(bool with_adaround);

struct AutoScore {
  AutoCandidate candidate;
  double top1 = -1;          // validation top-1 in [0, 1]; -1 without labelled images
  double output_snr_db = 0;  // int8 vs fp32 model output on the scoring images, per image (PerImageSnr)
  double seconds = 0;        // calibration params + passes + scoring
};

struct AutoResult {
  ir::Model model;                // the best candidate's int8 model (weights changed by its passes)
  std::vector<AutoScore> scores;  // in candidate order
  size_t best = 0;                // index into scores
  bool by_accuracy = false;       // true when chosen by validation top-1
};

// `stats` from collect_stats(fp32, ...) and `in` as for run_ptq_passes (in.options.method is replaced per
// candidate). `scoring` holds the images measured: labelled validation batches (accuracy), or unlabelled
// calibration batches (labels -1: SNR only). progress gets one line per candidate.
AutoResult auto_quantize(const ir::Model& fp32, const CalibrationStats& stats, const PtqPassInputs& in,
                         const std::vector<AutoCandidate>& candidates, const LabelledBatches& scoring,
                         int threads, const std::function<void(const std::string&)>& progress = {});

}  // namespace qd::quant
