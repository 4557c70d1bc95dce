#include "quant/auto_quant.h"

#include <chrono>
#include <cstdio>

#include "core/error.h"

namespace qd::quant {

std::string AutoCandidate::label() const {
  std::string s(range_method_name(method));
  for (const std::string& p : passes) s += "+" + p;
  return s;
}

std::vector<AutoCandidate> default_auto_candidates(bool with_adaround) {
  std::vector<AutoCandidate> c;
  using enum RangeMethod;
  for (const RangeMethod m : {kl, minmax, percentile, mse, aciq}) c.push_back({m, {}});
  c.push_back({kl, {"method_selection"}});
  c.push_back({kl, {"cross_layer_equalization"}});
  c.push_back({kl, {"bias_correction"}});
  c.push_back({kl, {"cross_layer_equalization", "method_selection", "bias_correction"}});
  if (with_adaround) c.push_back({kl, {"adaround"}});
  return c;
}

namespace {

// Better = higher top-1 (when measured), then higher SNR; an earlier candidate wins exact ties.
bool better(const AutoScore& a, const AutoScore& b) {
  if (a.top1 != b.top1) return a.top1 > b.top1;
  return a.output_snr_db > b.output_snr_db;
}

}  // namespace

AutoResult auto_quantize(const ir::Model& fp32, const CalibrationStats& stats, const PtqPassInputs& in,
                         const std::vector<AutoCandidate>& candidates, const LabelledBatches& scoring,
                         int threads, const std::function<void(const std::string&)>& progress) {
  if (candidates.empty()) fail("", "auto quantization needs at least one candidate");
  if (scoring.inputs.empty()) fail("", "auto quantization: no images to score the candidates on");
  const bool by_accuracy = scoring.images() > 0;
  const std::vector<Tensor> reference = model_outputs(fp32, scoring, false, threads);  // once for all
  AutoResult r;
  r.by_accuracy = by_accuracy;
  std::shared_ptr<const PassGuard> guard = in.guard;  // the passes' check, built once for every candidate
  for (const AutoCandidate& c : candidates) {
    const auto t0 = std::chrono::steady_clock::now();
    PtqPassInputs pin = in;
    pin.options.method = c.method;
    pin.log = {};  // one summary line per candidate instead of every pass's progress
    if (!c.passes.empty() && pin.keep_only_if_no_worse) {
      if (!guard) guard = make_pass_guard(fp32, in);
      pin.guard = guard;
    }
    ir::Model m = fp32;
    m.quant = params_from_stats(stats, fp32, pin.options);
    run_ptq_passes(c.passes, m, pin);
    AutoScore s;
    s.candidate = c;
    const std::vector<Tensor> int8_scores = model_outputs(m, scoring, true, threads);
    s.output_snr_db = outputs_image_snr_db(reference, int8_scores);
    if (by_accuracy) s.top1 = top1_of_outputs(int8_scores, scoring);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) {
      char line[256];
      if (by_accuracy)
        std::snprintf(line, sizeof line, "auto: %-60s top-1 %.4f  per-image SNR %6.2f dB  %5.1f s",
                      c.label().c_str(), s.top1, s.output_snr_db, s.seconds);
      else
        std::snprintf(line, sizeof line, "auto: %-60s per-image SNR %6.2f dB  %5.1f s", c.label().c_str(),
                      s.output_snr_db, s.seconds);
      progress(line);
    }
    if (r.scores.empty() || better(s, r.scores[r.best])) {
      r.best = r.scores.size();
      r.model = std::move(m);
    }
    r.scores.push_back(std::move(s));
  }
  return r;
}

}  // namespace qd::quant
