// Per-layer range method selection: every quantized layer gets the activation range method (kl, minmax,
// percentile, mse, ...) whose input step gives the smallest error of THAT layer's output, measured
// layer-wise (only this layer in int8, on the fp32 graph's input, real int8 arithmetic) on calibration
// batches. One calibration pass (stats) serves every method; the layer runs are one-node models.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/calibrate.h"
#include "quant/mixed_precision.h"

namespace qd::quant {

struct MethodChoice {
  std::string node;
  std::string method;                    // the chosen method's name (range_method_name)
  std::map<std::string, double> snr_db;  // layer-wise output SNR of every candidate method, by name
};

struct MethodSelection {
  ir::QuantParams params;             // params_from_stats with each layer's chosen method
  std::vector<MethodChoice> choices;  // in graph order
};

// The default candidates: kl, minmax, mse, percentile.
std::vector<RangeMethod> default_selection_methods();

// `stats` from collect_stats over the calibration set; `source` gives the batches the error is measured
// on (batches of at most options.batch images; at most max_batches are used, 0 = all). Ties keep the
// earlier method in `methods`. Throws a user error for no methods or an empty source.
MethodSelection select_range_methods(const ir::Model& fp32_model, const CalibrationStats& stats,
                                     BatchSource& source, const CalibOptions& options,
                                     const std::vector<RangeMethod>& methods, size_t max_batches = 8);

// The whole model's view of a selection. Each layer-wise choice is the best for its own layer, but the
// errors compound downstream in ways a layer-wise measure does not see, so the pass keeps a selection only
// when the int8 model's output on calibration batches is at least as close to fp32 as with the incoming
// parameters (a guard on the calibration images, not a promise for other images: docs/zoo.md, RegNetY).
struct SelectionCheck {
  double incoming_snr_db = 0;  // int8 output vs fp32 with the parameters before the selection
  double selected_snr_db = 0;  // ... with the selection applied
  bool keep() const { return selected_snr_db >= incoming_snr_db; }
};

// `model` holds the graph (its quant is ignored); scores both parameter sets on `scoring` (real int8).
SelectionCheck check_selection(const ir::Model& model, const ir::QuantParams& incoming,
                               const ir::QuantParams& selected, const LabelledBatches& scoring, int threads);

}  // namespace qd::quant
