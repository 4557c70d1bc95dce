#include "quant/pass_guard.h"

#include <utility>

#include "core/error.h"

namespace qd::quant {

PassGuard::PassGuard(const ir::Model& fp32, LabelledBatches scoring, int threads)
    : scoring_(std::move(scoring)), threads_(threads) {
  if (scoring_.inputs.empty()) fail("", "PTQ passes: no calibration batches to check the passes on");
  reference_ = model_outputs(ir::Model{fp32.graph, {}}, scoring_, false, threads_);
}

double PassGuard::score(const ir::Model& model) const {
  return outputs_image_snr_db(reference_, model_outputs(model, scoring_, true, threads_));
}

size_t PassGuard::images() const {
  return scoring_.inputs.size() * static_cast<size_t>(scoring_.batch_size());
}

}  // namespace qd::quant
