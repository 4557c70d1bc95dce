// Named post-training quantization passes that run after calibration, in the order given:
//   cross_layer_equalization  rescale consecutive layers' channels so their weight ranges equalise (changes
//                     weights and biases, keeps the fp32 function; the model is then calibrated again on the
//                     same images, see cross_layer_equalization.h). Must be the first pass.
//   method_selection  per layer, the activation range method with the smallest layer output error (changes
//                     input steps only, see method_selection.h)
//   adaround          learn up/down rounding of every weight on its calibrated grid from the layer's output
//                     error (changes weights to grid values, see adaround.h). Must come before
//                     bias_correction.
//   bias_correction   subtract the expected output shift of weight rounding from each bias (changes weights,
//                     see bias_correction.h). After adaround the weights are already on the grid, so it finds
//                     no shift to correct (AdaRound's output MSE already covers the mean).
// Every pass is checked on the calibration batches and undone when it leaves the int8 model's output further
// from fp32 (pass_guard.h, PtqPassInputs::keep_only_if_no_worse).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/model.h"
#include "quant/adaround.h"
#include "quant/calibrate.h"
#include "quant/pass_guard.h"

namespace qd::quant {

struct PtqPassInputs {
  const CalibrationStats* stats = nullptr;  // from collect_stats on the calibration set (method_selection)
  std::function<std::unique_ptr<BatchSource>()> make_source;  // a fresh pass over calibration batches
  CalibOptions options;
  size_t max_batches = 8;  // batches used to measure layer errors and to check each pass, 0 = all
  // Keep a pass's change only when the int8 model's output on the calibration batches is no further from fp32
  // (pass_guard.h); off only to study a pass's own effect.
  bool keep_only_if_no_worse = true;
  // The check's reference outputs and images when a caller runs several pass lists from the same fp32 model
  // (auto mode); null = run_ptq_passes builds one (make_pass_guard).
  std::shared_ptr<const PassGuard> guard;
  AdaRoundOptions adaround;                          // adaround settings (its log defaults to `log`)
  std::function<void(const std::string& line)> log;  // progress lines of long passes, when set
};

// Registered pass names, in the recommended order.
std::vector<std::string> ptq_pass_names();
// True when the pass changes weights or biases (not only QuantParams): its result needs the model files.
bool ptq_pass_changes_weights(std::string_view name);
// The registry (ptq_passes.cpp) is the one list of names and holds the order rules.
// Splits "a,b" and checks every name and the order (cross_layer_equalization first, adaround before
// bias_correction); throws a user error listing the valid names, or naming the misplaced pass.
// `context` (an option or file) prefixes the error.
std::vector<std::string> parse_ptq_passes(const std::string& comma_list, const std::string& context = "");

// The check of run_ptq_passes for passes starting from `fp32`: up to in.max_batches calibration batches of
// in.make_source and the fp32 model's output on them.
std::shared_ptr<const PassGuard> make_pass_guard(const ir::Model& fp32, const PtqPassInputs& in);

// Runs the passes in order on `model` (graph + quant from calibration with in.options); `names` come from
// parse_ptq_passes (or a list written in code in a valid order: the order is checked there). Returns one
// summary line per pass. cross_layer_equalization replaces model.quant by a new calibration (and its
// statistics are what a later method_selection uses).
std::vector<std::string> run_ptq_passes(const std::vector<std::string>& names, ir::Model& model,
                                        const PtqPassInputs& in);

}  // namespace qd::quant
