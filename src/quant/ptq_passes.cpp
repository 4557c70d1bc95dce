#include "quant/ptq_passes.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
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

namespace {

// State the passes share within one run_ptq_passes call.
struct PassContext {
  ir::Model& model;
  const PtqPassInputs& in;
  BatchSource& source;  // a fresh pass over the calibration batches
  const CalibrationStats*& stats;
  std::optional<CalibrationStats>& recalibrated;
};

std::string run_cross_layer_equalization(PassContext& c) {
  const EqualizationResult r = equalize_cross_layer(c.model.graph);
  // The weights changed: weight steps and activation ranges are computed again on the new model.
  ir::Model fp32{c.model.graph, {}};
  c.recalibrated = collect_stats(fp32, c.source, c.in.options);
  c.stats = &*c.recalibrated;
  c.model.quant = params_from_stats(*c.stats, fp32, c.in.options);
  return "cross_layer_equalization: " + std::to_string(r.pairs) + " layer pairs equalized in " +
         std::to_string(r.sweeps) + " sweeps, " + std::to_string(r.skipped_bounded) +
         " skipped (bounded activation such as ReLU6 between them), model recalibrated";
}

std::string run_method_selection(PassContext& c) {
  if (!c.stats) fail("", "method_selection needs calibration statistics");
  ir::Model fp32{c.model.graph, {}};
  MethodSelection sel = select_range_methods(fp32, *c.stats, c.source, c.in.options,
                                             default_selection_methods(), c.in.max_batches);
  std::map<std::string, int> counts;
  ir::QuantParams& quant = c.model.quant;
  for (const MethodChoice& choice : sel.choices) {
    ++counts[choice.method];
    // keep weight steps from the incoming params (an earlier pass may own them); take the input step
    auto it = quant.layers.find(choice.node);
    if (it != quant.layers.end())
      it->second.input_scale = sel.params.layers.at(choice.node).input_scale;
    else
      quant.layers[choice.node] = sel.params.layers.at(choice.node);
  }
  std::string line = "method_selection:";
  for (const auto& [m, n] : counts) line += " " + m + " x" + std::to_string(n);
  return line;
}

std::string run_adaround(PassContext& c) {
  AdaRoundOptions o = c.in.adaround;
  if (!o.log) o.log = c.in.log;
  const std::vector<AdaRoundLayerReport> reports = adaround(c.model, c.source, c.in.options, o);
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
  return line;
}

std::string run_bias_correction(PassContext& c) {
  ir::Model fp32{c.model.graph, {}};
  const ChannelMeans means = collect_input_channel_means(fp32, c.source, c.in.options);
  return "bias_correction: " + std::to_string(correct_bias(c.model, means)) + " layers corrected";
}

struct PtqPass {
  std::string_view name;
  bool changes_weights;     // weights or biases, not only QuantParams
  bool must_be_first;       // it changes what every later pass and the calibration see
  std::string_view before;  // a pass this one must precede when both run ("" = none)
  std::string_view why_before;
  std::string (*run)(PassContext&);
};

// The registry, in the recommended order (ptq_pass_names()).
constexpr PtqPass kPasses[] = {
    {"cross_layer_equalization", true, true, "", "", run_cross_layer_equalization},
    {"method_selection", false, false, "", "", run_method_selection},
    {"adaround", true, false, "bias_correction",
     "a bias corrected for round-to-nearest weights is wrong for adaptively rounded ones", run_adaround},
    {"bias_correction", true, false, "", "", run_bias_correction},
};

const PtqPass* find_pass(std::string_view name) {
  for (const PtqPass& p : kPasses)
    if (p.name == name) return &p;
  return nullptr;
}

const PtqPass& pass_or_fail(std::string_view name, const std::string& context = "") {
  if (const PtqPass* p = find_pass(name)) return *p;
  std::string names;
  for (const PtqPass& p : kPasses) names += (names.empty() ? "" : ", ") + std::string(p.name);
  fail(context, "unknown quantization pass '" + std::string(name) + "' (valid: " + names + ")");
}

// The order rules of the registry: must_be_first passes first, `before` constraints kept.
void check_order(const std::vector<std::string>& names, const std::string& context) {
  for (size_t i = 0; i < names.size(); ++i) {
    const PtqPass& p = pass_or_fail(names[i], context);
    if (p.must_be_first && i > 0)
      fail(context, "pass '" + names[i] +
                        "' must come first (it changes the weights the other passes and the calibration are "
                        "computed from)");
    if (!p.before.empty())
      for (size_t j = 0; j < i; ++j)
        if (names[j] == p.before)
          fail(context, "pass '" + names[i] + "' must come before '" + std::string(p.before) + "' (" +
                            std::string(p.why_before) + ")");
  }
}

}  // namespace

std::vector<std::string> ptq_pass_names() {
  std::vector<std::string> out;
  for (const PtqPass& p : kPasses) out.emplace_back(p.name);
  return out;
}

bool ptq_pass_changes_weights(std::string_view name) { return pass_or_fail(name).changes_weights; }

std::vector<std::string> parse_ptq_passes(const std::string& list, const std::string& context) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    if (name.empty()) continue;
    pass_or_fail(name, context);
    out.push_back(name);
  }
  check_order(out, context);
  return out;
}

std::shared_ptr<const PassGuard> make_pass_guard(const ir::Model& fp32, const PtqPassInputs& in) {
  QD_CHECK(in.make_source, "make_pass_guard: no calibration source");
  const std::unique_ptr<BatchSource> src = in.make_source();
  return std::make_shared<const PassGuard>(
      fp32, unlabelled_batches(*src, in.max_batches ? in.max_batches : SIZE_MAX), in.options.num_threads);
}

std::vector<std::string> run_ptq_passes(const std::vector<std::string>& names, ir::Model& model,
                                        const PtqPassInputs& in) {
  std::vector<std::string> log;
  if (names.empty()) return log;
  QD_CHECK(in.make_source, "run_ptq_passes: no calibration source");
  std::optional<CalibrationStats> recalibrated;  // statistics of the equalized model
  const CalibrationStats* stats = in.stats;
  std::shared_ptr<const PassGuard> guard;
  double score = 0;
  if (in.keep_only_if_no_worse) {
    guard = in.guard ? in.guard : make_pass_guard(model, in);
    score = guard->score(model);
  }
  for (const std::string& name : names) {
    const PtqPass& pass = pass_or_fail(name);
    std::unique_ptr<BatchSource> src = in.make_source();
    const ir::Model before = model;  // passes add new constants, never write into shared tensors
    const CalibrationStats* stats_before = stats;
    PassContext context{model, in, *src, stats, recalibrated};
    const auto start = std::chrono::steady_clock::now();
    std::string line = pass.run(context);
    const auto ran = std::chrono::steady_clock::now();
    char took[48];
    std::snprintf(took, sizeof took, " (%.1f s)", std::chrono::duration<double>(ran - start).count());
    line += took;
    if (guard) {
      const double after = guard->score(model);
      const bool keep = after >= score;
      const double check_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - ran).count();
      char verdict[240];
      std::snprintf(
          verdict, sizeof verdict,
          "; int8 output vs fp32 on %zu calibration images %.2f dB per-image SNR (was %.2f; %.1f s): %s",
          guard->images(), after, score, check_s, keep ? "kept" : "not kept, the model before it stays");
      line += verdict;
      if (keep) {
        score = after;
      } else {
        model = before;
        stats = stats_before;  // an undone equalization's statistics are not the model's any more
      }
    }
    log.push_back(std::move(line));
  }
  return log;
}

}  // namespace qd::quant
