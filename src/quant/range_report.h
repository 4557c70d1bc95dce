// Side-by-side activation thresholds of several range methods from one set of statistics ("collect once,
// compute many"): what `qdeploy calibrate --compare` style output and method studies need.
#pragma once
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/calibrate.h"
#include "quant/ranges/range_options.h"

namespace qd::quant {

struct RangeReportRow {
  std::string node;   // quantizable node (Conv / Gemm)
  std::string value;  // its input activation
  float absmax = 0.f;
  double zero_fraction = 0.0;     // share of exact zeros (e.g. after ReLU)
  std::vector<float> thresholds;  // one per RangeReport::methods, absmax units
};

struct RangeReport {
  std::vector<RangeMethod> methods;
  std::vector<RangeReportRow> rows;  // graph order
};

// Thresholds of `methods` (all of them when empty) for every quantizable node. Throws a user error for a
// node without statistics.
RangeReport range_report(const CalibrationStats& stats, const ir::Model& model, const RangeOptions& options,
                         std::vector<RangeMethod> methods = {}, int num_threads = 0);

// Fixed-width text table: node, absmax, zero %, then threshold / absmax per method.
std::string format_range_report(const RangeReport& report);

}  // namespace qd::quant
