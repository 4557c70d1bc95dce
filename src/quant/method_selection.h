// Per-layer range method selection: every quantized layer gets the activation range method (kl, minmax,
// percentile, mse, ...) whose input step gives the smallest error of THAT layer's output, measured
// layer-wise (only this layer in int8, on the fp32 graph's input, real int8 arithmetic) on calibration
// batches, every image weighing the same (PerImageSnr). One calibration pass (stats) serves every method; the
// layer runs are one-node models.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/calibrate.h"

namespace qd::quant {

struct MethodChoice {
  std::string node;
  std::string method;                    // the chosen method's name (range_method_name)
  std::map<std::string, double> snr_db;  // layer-wise output per-image SNR of every candidate method, by name
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

}  // namespace qd::quant
