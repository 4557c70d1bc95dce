#include "quant/ptq_passes.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.h"
#include "quant/bias_correction.h"
#include "quant/method_selection.h"

namespace qd::quant {

std::vector<std::string> ptq_pass_names() { return {"method_selection", "bias_correction"}; }

bool ptq_pass_changes_weights(std::string_view name) { return name == "bias_correction"; }

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
  return out;
}

std::vector<std::string> run_ptq_passes(const std::vector<std::string>& names, ir::Model& model,
                                        const PtqPassInputs& in) {
  std::vector<std::string> log;
  for (const std::string& name : names) {
    QD_CHECK(in.make_source, "run_ptq_passes: no calibration source");
    std::unique_ptr<BatchSource> src = in.make_source();
    if (name == "bias_correction") {
      ir::Model fp32{model.graph, {}};
      const ChannelMeans means = collect_input_channel_means(fp32, *src, in.options);
      log.push_back("bias_correction: " + std::to_string(correct_bias(model, means)) + " layers corrected");
    } else if (name == "method_selection") {
      if (!in.stats) fail("", "method_selection needs calibration statistics");
      ir::Model fp32{model.graph, {}};
      MethodSelection sel = select_range_methods(fp32, *in.stats, *src, in.options,
                                                 default_selection_methods(), in.max_batches);
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
