#include "quant/ptq_passes.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "quant/adaround.h"
#include "quant/bias_correction.h"
#include "quant/cross_layer_equalization.h"
#include "quant/method_selection.h"

namespace qd::quant {

std::vector<std::string> ptq_pass_names() {
  return {"cross_layer_equalization", "method_selection", "adaround", "bias_correction"};
}

bool ptq_pass_changes_weights(std::string_view name) {
  return name == "bias_correction" || name == "cross_layer_equalization" || name == "adaround";
}

void check_ptq_pass_order(const std::vector<std::string>& names) {
  for (size_t i = 1; i < names.size(); ++i)
    if (names[i] == "cross_layer_equalization")
      fail("",
           "pass 'cross_layer_equalization' must come first (it changes the weights the other passes "
           "and the calibration are computed from)");
  auto first = [&](const char* n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  auto last = [&](const char* n) {
    auto it = std::find(names.rbegin(), names.rend(), n);
    return it == names.rend() ? -1 : static_cast<long>(names.rend() - it - 1);
  };
  if (last("adaround") > first("bias_correction"))
    fail("",
         "pass 'adaround' must come before 'bias_correction' (a bias corrected for round-to-nearest "
         "weights is wrong for adaptively rounded ones)");
}

std::vector<std::string> parse_ptq_passes(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string name;
  const std::vector<std::string> valid = ptq_pass_names();
  while (std::getline(ss, name, ',')) {
    if (name.empty()) continue;
    if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
      std::string names;
      for (const std::string& v : valid) names += (names.empty() ? "" : ", ") + v;
      fail("", "unknown quantization pass '" + name + "' (valid: " + names + ")");
    }
    out.push_back(name);
  }
  check_ptq_pass_order(out);
  return out;
}

std::vector<std::string> run_ptq_passes(const std::vector<std::string>& names, ir::Model& model,
                                        const PtqPassInputs& in) {
  check_ptq_pass_order(names);
  std::vector<std::string> log;
  std::optional<CalibrationStats> recalibrated;  // statistics of the equalized model
  const CalibrationStats* stats = in.stats;
  for (const std::string& name : names) {
    QD_CHECK(in.make_source, "run_ptq_passes: no calibration source");
    std::unique_ptr<BatchSource> src = in.make_source();
    if (name == "cross_layer_equalization") {
      const EqualizationResult r = equalize_cross_layer(model.graph);
      // The weights changed: weight steps and activation ranges are computed again on the new model.
      ir::Model fp32{model.graph, {}};
      recalibrated = collect_stats(fp32, *src, in.options);
      stats = &*recalibrated;
      model.quant = params_from_stats(*stats, fp32, in.options);
      log.push_back("cross_layer_equalization: " + std::to_string(r.pairs) + " layer pairs equalized in " +
                    std::to_string(r.sweeps) + " sweeps, " + std::to_string(r.skipped_bounded) +
                    " skipped (bounded activation such as ReLU6 between them), model recalibrated");
    } else if (name == "adaround") {
      AdaRoundOptions o = in.adaround;
      if (!o.log) o.log = in.log;
      const std::vector<AdaRoundLayerReport> reports = adaround(model, *src, in.options, o);
      double nearest = 0, learned = 0;
      int better = 0;
      for (const AdaRoundLayerReport& r : reports) {
        nearest += r.mse_nearest;
        learned += r.mse_adaround;
        better += r.mse_adaround < r.mse_nearest;
      }
      char line[256];
      std::snprintf(line, sizeof line,
                    "adaround: %zu layers, %d with lower output MSE than round-to-nearest (sum %.4g -> %.4g)",
                    reports.size(), better, nearest, learned);
      log.push_back(line);
    } else if (name == "bias_correction") {
      ir::Model fp32{model.graph, {}};
      const ChannelMeans means = collect_input_channel_means(fp32, *src, in.options);
      log.push_back("bias_correction: " + std::to_string(correct_bias(model, means)) + " layers corrected");
    } else if (name == "method_selection") {
      if (!stats) fail("", "method_selection needs calibration statistics");
      ir::Model fp32{model.graph, {}};
      MethodSelection sel =
          select_range_methods(fp32, *stats, *src, in.options, default_selection_methods(), in.max_batches);
      std::map<std::string, int> counts;
      for (const MethodChoice& c : sel.choices) {
        ++counts[c.method];
        // keep weight steps from the incoming params (an earlier pass may own them); take the input step
        auto it = model.quant.layers.find(c.node);
        if (it != model.quant.layers.end())
          it->second.input_scale = sel.params.layers.at(c.node).input_scale;
        else
          model.quant.layers[c.node] = sel.params.layers.at(c.node);
      }
      std::string line = "method_selection:";
      for (const auto& [m, n] : counts) line += " " + m + " x" + std::to_string(n);
      log.push_back(line);
    } else {
      parse_ptq_passes(name);  // throws the listing error
    }
  }
  return log;
}

}  // namespace qd::quant
