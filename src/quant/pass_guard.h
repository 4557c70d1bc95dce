// The check every PTQ pass goes through (run_ptq_passes): a pass's change is kept only when the int8 model's
// output on calibration batches stays at least as close to the fp32 model's output as before the pass,
// scored with every image weighing the same (outputs_image_snr_db). A pass that is right for each layer alone
// can still hurt the whole model, because errors compound downstream in ways a per-layer measure does not see
// (docs/zoo.md: method selection on RegNetY, bias correction on SqueezeNet). This is a guard on the
// calibration images, not a promise for other images.
#pragma once
#include <vector>

#include "ir/model.h"
#include "quant/mixed_precision.h"

namespace qd::quant {

class PassGuard {
 public:
  // `fp32`: the model before any pass; its fp32 output on `scoring` is the reference from then on (passes
  // that change weights keep the fp32 function only approximately).
  PassGuard(const ir::Model& fp32, LabelledBatches scoring, int threads);

  // Per-image SNR (dB, PerImageSnr) of `model`'s output, its quant layers in int8 (real int8), vs the
  // reference.
  double score(const ir::Model& model) const;
  size_t images() const;

 private:
  LabelledBatches scoring_;
  std::vector<Tensor> reference_;
  int threads_;
};

}  // namespace qd::quant
