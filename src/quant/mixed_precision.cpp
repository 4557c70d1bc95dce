#include "quant/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "core/error.h"
#include "quant/analyse/error_metrics.h"
#include "runtime/executor.h"

namespace qd::quant {
namespace {

std::unique_ptr<runtime::Executor> compile_for(const ir::Model& model, const LabelledBatches& data,
                                               runtime::Int8Mode int8, int threads) {
  runtime::CompileOptions co;
  co.batch = data.batch_size();
  co.threads = threads;
  co.int8 = int8;
  return runtime::compile(model, co);
}

// Model outputs (first output) of the first batches covering at least max_images images.
std::vector<Tensor> outputs(runtime::Executor& exec, const LabelledBatches& data, size_t max_images) {
  std::vector<Tensor> out;
  size_t seen = 0;
  for (size_t b = 0; b < data.inputs.size() && seen < max_images; ++b) {
    out.push_back(exec.run({data.inputs[b]}).at(0).clone());
    seen += static_cast<size_t>(data.batch_size());
  }
  return out;
}

double snr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test) {
  double signal = 0, noise = 0;
  for (size_t b = 0; b < reference.size(); ++b) {
    const float* r = reference[b].data<float>();
    const float* t = test[b].data<float>();
    for (int64_t i = 0; i < reference[b].numel(); ++i) {
      signal += static_cast<double>(r[i]) * r[i];
      noise += (static_cast<double>(t[i]) - r[i]) * (static_cast<double>(t[i]) - r[i]);
    }
  }
  if (noise == 0) return 300.0;  // identical outputs: report a large finite SNR
  return 10.0 * std::log10(signal / noise);
}

// The greedy fallback of both budgets: ranked layers go back to fp32 one at a time, most sensitive first;
// after each, `step` re-measures (and records) and says whether the budget now holds. False if it never did.
bool return_to_fp32_until(ir::Model& model, const std::vector<LayerSensitivity>& ranking,
                          const std::function<bool(const LayerSensitivity&)>& step) {
  for (const LayerSensitivity& s : ranking) {
    model.quant.layers.erase(s.layer);
    if (step(s)) return true;
  }
  return false;
}

}  // namespace

LabelledBatches unlabelled_batches(BatchSource& source, size_t max_batches) {
  LabelledBatches out;
  Tensor batch;
  while (out.inputs.size() < max_batches && source.next(batch)) {
    if (!out.inputs.empty() && batch.shape()[0] != out.batch_size()) break;  // the smaller last batch
    out.inputs.push_back(batch.clone());
    out.labels.emplace_back(static_cast<size_t>(batch.shape()[0]), -1);
  }
  return out;
}

size_t LabelledBatches::images() const {
  size_t n = 0;
  for (const auto& l : labels)
    n += static_cast<size_t>(std::count_if(l.begin(), l.end(), [](int v) { return v >= 0; }));
  return n;
}

std::vector<Tensor> model_outputs(const ir::Model& model, const LabelledBatches& data, bool int8,
                                  int threads) {
  auto exec = compile_for(model, data, int8 ? runtime::Int8Mode::real : runtime::Int8Mode::off, threads);
  return outputs(*exec, data, data.inputs.size() * static_cast<size_t>(data.batch_size()));
}

double top1_of_outputs(const std::vector<Tensor>& scores_per_batch, const LabelledBatches& data) {
  QD_CHECK(scores_per_batch.size() == data.labels.size(), "top1_of_outputs: one output per batch");
  size_t correct = 0, counted = 0;
  for (size_t b = 0; b < scores_per_batch.size(); ++b) {
    const Tensor& scores = scores_per_batch[b];
    const int64_t rows = data.batch_size(), classes = scores.numel() / rows;
    const float* s = scores.data<float>();
    for (int64_t i = 0; i < rows; ++i) {
      const int label = data.labels[b][static_cast<size_t>(i)];
      if (label < 0) continue;
      const float* row = s + i * classes;
      correct += std::max_element(row, row + classes) - row == label;
      ++counted;
    }
  }
  return counted ? static_cast<double>(correct) / static_cast<double>(counted) : 0.0;
}

double outputs_snr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test) {
  return snr_db(reference, test);
}

double outputs_image_snr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test) {
  QD_CHECK(reference.size() == test.size(), "outputs_image_snr_db: one test output per reference");
  PerImageSnr m;
  for (size_t b = 0; b < reference.size(); ++b) {
    const size_t n = static_cast<size_t>(reference[b].numel());
    QD_CHECK(static_cast<size_t>(test[b].numel()) == n, "outputs_image_snr_db: output sizes differ");
    m.add_rows({reference[b].data<float>(), n}, {test[b].data<float>(), n},
               static_cast<size_t>(reference[b].dim(0)));
  }
  return m.snr_db();
}

double top1_accuracy(const ir::Model& model, const LabelledBatches& data, int threads) {
  QD_CHECK(!data.inputs.empty() && data.inputs.size() == data.labels.size(), "top1_accuracy: no data");
  return top1_of_outputs(model_outputs(model, data, true, threads), data);
}

double int8_output_snr_db(const ir::Model& model, const LabelledBatches& data, int threads) {
  if (data.inputs.empty()) fail("", "no images to measure the int8 output error on");
  return snr_db(model_outputs(model, data, false, threads), model_outputs(model, data, true, threads));
}

std::vector<LayerSensitivity> rank_layer_sensitivity(const ir::Model& model, const LabelledBatches& data,
                                                     size_t max_images, int threads) {
  auto fp32 = compile_for(model, data, runtime::Int8Mode::off, threads);
  const std::vector<Tensor> reference = outputs(*fp32, data, max_images);
  std::vector<LayerSensitivity> ranking;
  for (const auto& [layer, lq] : model.quant.layers) {
    ir::Model one{model.graph, {}};
    one.quant.layers[layer] = lq;
    auto exec = compile_for(one, data, runtime::Int8Mode::real, threads);
    ranking.push_back({layer, snr_db(reference, outputs(*exec, data, max_images))});
  }
  std::stable_sort(ranking.begin(), ranking.end(), [](const LayerSensitivity& a, const LayerSensitivity& b) {
    return a.output_snr_db < b.output_snr_db;
  });
  return ranking;
}

MixedPrecisionResult keep_sensitive_layers_fp32(ir::Model& model, const LabelledBatches& data,
                                                double max_drop_points, int threads,
                                                const std::function<void(const std::string&)>& progress) {
  if (!(max_drop_points >= 0)) fail("--max-drop", "must be a number of accuracy points >= 0");
  if (data.images() == 0) fail("validation data", "no labelled images to measure accuracy on");
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  MixedPrecisionResult r;
  r.fp32_top1 = top1_accuracy(ir::Model{model.graph, {}}, data, threads);
  r.int8_top1 = r.final_top1 = top1_accuracy(model, data, threads);
  char line[256];
  std::snprintf(line, sizeof line, "mixed precision: fp32 top-1 %.4f, int8 %.4f on %zu validation images",
                r.fp32_top1, r.int8_top1, data.images());
  say(line);
  const double budget = max_drop_points / 100.0 + 1e-12;  // tolerance for the division only
  if (r.fp32_top1 - r.final_top1 <= budget) {
    r.budget_met = true;
    return r;
  }
  r.ranking = rank_layer_sensitivity(model, data, 256, threads);
  r.budget_met = return_to_fp32_until(model, r.ranking, [&](const LayerSensitivity& s) {
    r.final_top1 = top1_accuracy(model, data, threads);
    r.steps.push_back({s.layer, r.final_top1});
    std::snprintf(line, sizeof line, "mixed precision: %s -> fp32 (output SNR alone %.1f dB): top-1 %.4f",
                  s.layer.c_str(), s.output_snr_db, r.final_top1);
    say(line);
    return r.fp32_top1 - r.final_top1 <= budget;
  });
  return r;
}

SnrBudgetResult keep_sensitive_layers_fp32_for_snr(ir::Model& model, const LabelledBatches& data,
                                                   double min_snr_db, int threads,
                                                   const std::function<void(const std::string&)>& progress) {
  if (!std::isfinite(min_snr_db)) fail("--min-snr", "must be a number of dB");
  if (data.inputs.empty()) fail("calibration images", "no images to measure the int8 output error on");
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  const std::vector<Tensor> reference = model_outputs(ir::Model{model.graph, {}}, data, false, threads);
  auto measure = [&] { return snr_db(reference, model_outputs(model, data, true, threads)); };
  SnrBudgetResult r;
  r.int8_snr_db = r.final_snr_db = measure();
  char line[512];
  std::snprintf(line, sizeof line, "snr budget: int8 output %.2f dB from fp32 on %lld images (min %.1f)",
                r.int8_snr_db, static_cast<long long>(data.inputs.size()) * data.batch_size(), min_snr_db);
  say(line);
  if (r.final_snr_db >= min_snr_db) {
    r.budget_met = true;
    return r;
  }
  r.ranking = rank_layer_sensitivity(model, data, SIZE_MAX, threads);
  r.budget_met = return_to_fp32_until(model, r.ranking, [&](const LayerSensitivity& s) {
    r.final_snr_db = measure();
    r.steps.push_back({s.layer, r.final_snr_db});
    std::snprintf(line, sizeof line, "snr budget: %s -> fp32 (output SNR alone %.1f dB): %.2f dB",
                  s.layer.c_str(), s.output_snr_db, r.final_snr_db);
    say(line);
    return r.final_snr_db >= min_snr_db;
  });
  return r;
}

}  // namespace qd::quant
