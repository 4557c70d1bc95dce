// Named post-training quantization passes that run after calibration, composable in any order given:
//   bias_correction   subtract the expected output shift of weight rounding from each bias (changes weights,
//                     see bias_correction.h)
//   method_selection  per layer, the activation range method with the smallest layer output error (changes
//                     input steps only, see method_selection.h)
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/model.h"
#include "quant/calibrate.h"

namespace qd::quant {

struct PtqPassInputs {
  const CalibrationStats* stats = nullptr;  // from collect_stats on the calibration set (method_selection)
  std::function<std::unique_ptr<BatchSource>()> make_source;  // a fresh pass over calibration batches
  CalibOptions options;
  size_t max_batches = 8;  // batches used to measure layer errors (method_selection), 0 = all
};

// Registered pass names, in the recommended order.
std::vector<std::string> ptq_pass_names();
// True when the pass changes weights or biases (not only QuantParams): its result needs the model files.
bool ptq_pass_changes_weights(std::string_view name);
// Splits "a,b" and checks every name; throws a user error listing the valid names.
std::vector<std::string> parse_ptq_passes(const std::string& comma_list);

// Runs the passes in order on `model` (graph + quant from calibration). Returns one summary line per pass.
std::vector<std::string> run_ptq_passes(const std::vector<std::string>& names, ir::Model& model,
                                        const PtqPassInputs& in);

}  // namespace qd::quant
