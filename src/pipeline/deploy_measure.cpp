#include "pipeline/deploy_measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/threads.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "eval/accuracy.h"
#include "eval/confusion_matrix.h"
#include "eval/evaluate.h"
#include "eval/latency.h"
#include "eval/results_json.h"
#include "eval/turn_schedule.h"
#include "pipeline/dataset_batch_source.h"
#include "pipeline/onnxruntime_runner.h"
#include "quant/analyse/quant_error_analysis.h"
#include "runtime/executor.h"
#include "util/progress.h"

namespace qd::pipeline {

namespace {

using nlohmann::json;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The class count evaluate() scores against (same rule as eval/evaluate.cpp).
int class_count(const ModelConfig& config, const Dataset& ds) {
  int n = config.num_classes > 0 ? config.num_classes : static_cast<int>(ds.class_names.size());
  return n > 0 ? n : 10;
}

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }

// 1-minute load average from /proc/loadavg (Linux), or null: a busy machine makes latencies indicative only.
json load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return nullptr;
  double one = 0;
  const bool ok = std::fscanf(f, "%lf", &one) == 1;
  std::fclose(f);
  return ok ? json(one) : json();
}

}  // namespace

size_t check_test_dataset(const std::string& path, const ModelConfig& config) {
  const Dataset ds = open_dataset(path, config.dataset_options);
  const int classes = class_count(config, ds);
  size_t labelled = 0;
  for (const Sample& s : ds.samples) {
    if (s.label < 0) continue;
    ++labelled;
    if (s.label >= classes)
      fail(path, "label " + std::to_string(s.label) + " of " + sample_name(ds, s) + " is outside the " +
                     std::to_string(classes) + " classes of the model config");
  }
  if (labelled == 0)
    fail(path, std::string("no labelled images (a ") + dataset_kind_name(ds.kind) +
                   "); accuracy needs class folders <dir>/<class>/*.png, a list file with labels or a "
                   "CIFAR-10 binary batch");
  return ds.size();
}

json measure_accuracy(const ir::Model& fp32, const ir::Model* int8, const ModelConfig& config,
                      const std::string& path, const AccuracyOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  EvalOptions eo;
  eo.batch = options.batch;
  eo.threads = options.threads;
  eo.limit = options.num;
  eo.warmup = 0;
  eo.reporting = options.reporting;
  json out;
  std::vector<std::string> names = config.classes;

  struct Run {
    const char* name;
    const ir::Model* model;
    json predictions = json::array();
    EvalResult result;
  };
  std::vector<Run> runs;
  runs.push_back({"fp32", &fp32, json::array(), {}});
  if (int8) runs.push_back({"int8", int8, json::array(), {}});
  for (Run& r : runs) {
    eo.label = std::string("test ") + r.name;
    r.result = evaluate(*r.model, config, path, eo, &r.predictions);
    out["accuracy"][r.name] = accuracy_summary(r.result.accuracy, names);
    out["confusion"][r.name] = confusion_matrix(r.result.accuracy);
  }
  const EvalResult& first = runs.front().result;
  out["test_dataset"] = {{"path", path},
                         {"requested", options.num},  // 0 = all
                         {"images", first.images},
                         {"skipped", first.skipped},
                         {"batch", options.batch},
                         {"threads", resolve_threads(options.threads)},
                         {"num_classes", first.accuracy.num_classes()}};
  // Image-by-image agreement of int8 with fp32 (both runs read the same images in the same order).
  if (runs.size() == 2) {
    const json &a = runs[0].predictions, &b = runs[1].predictions;
    AgreementCounter agree;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i]["path"] != b[i]["path"] || a[i]["label"] != b[i]["label"]) continue;
      agree.add(a[i]["scores"].get<std::vector<float>>(), b[i]["scores"].get<std::vector<float>>());
    }
    out["agreement"] = {{"images", agree.count()},
                        {"top1_same", agree.agree()},
                        {"fraction", agree.fraction()},
                        {"max_abs_score_diff", agree.max_abs_diff()}};
  }
  out["test_dataset"]["seconds"] = seconds_since(t0);
  return out;
}

json measure_speed(const ir::Model& fp32, const ir::Model* int8, const Tensor& input,
                   const SpeedOptions& options) {
  runtime::CompileOptions co;
  co.batch = 1;
  co.threads = options.threads;
  std::vector<std::pair<const char*, std::unique_ptr<runtime::Executor>>> models;
  models.emplace_back("fp32", runtime::compile(fp32, co));
  if (int8) models.emplace_back("int8", runtime::compile(*int8, co));
  std::vector<LatencyStats> stats(models.size());
  const std::vector<ScheduledRun> schedule = turn_schedule(models.size(), options.runs, options.block);
  ProgressBar bar("speed", static_cast<int64_t>(options.warmup * models.size() + schedule.size()),
                  options.reporting.progress);
  for (int run = 0; run < options.warmup; ++run)
    for (auto& m : models) {
      m.second->run({input});
      bar.advance(1);
    }
  for (const ScheduledRun& run : schedule) {
    Stopwatch sw;
    models[run.model].second->run({input});
    if (run.timed) stats[run.model].add(sw.elapsed_ms());
    bar.advance(1);
  }
  bar.finish();
  json out = {{"batch", 1},
              {"threads", resolve_threads(options.threads)},
              {"warmup", options.warmup},
              {"block", options.block},
              {"runs", options.runs},
              {"input", "the test image"},
              {"cores", available_cores()},
              {"load_average_1min", load_average()}};
  for (size_t m = 0; m < models.size(); ++m) out[models[m].first] = latency_summary(stats[m], 1);
  if (models.size() == 2 && stats[0].median() > 0)
    out["int8_over_fp32"] = stats[1].median() / stats[0].median();
  return out;
}

json measure_layer_snr(const ir::Model& fp32, const ir::Model& int8, const ModelConfig& config,
                       const std::string& images, size_t num, int threads, const Reporting& reporting) {
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kBatch = 16;
  DatasetBatchSource src(images, config, num, kBatch, reporting.on_skip);
  quant::AnalysisOptions opt;
  opt.batch = kBatch;
  opt.num_threads = threads;
  opt.histogram_bins = 0;  // deploy shows SNR only
  ProgressBar bar("snr", static_cast<int64_t>(src.size()), reporting.progress);
  const quant::AnalysisResult r =
      quant::analyze_quant_error(fp32, int8, src, opt, [&](size_t, size_t) { bar.advance(1); });
  bar.finish();
  json layers = json::array();
  for (const quant::LayerError& e : r.layers)
    layers.push_back({{"layer", e.node},
                      {"op", e.op},
                      {"weight_bits", e.weight_bits},
                      {"snr_db", finite_or_null(e.graph_wise.snr_db())},
                      {"layer_wise_snr_db", finite_or_null(e.layer_wise.snr_db())},
                      {"cosine", e.graph_wise.cosine()}});
  json out;
  out["layer_snr"] = layers;
  out["snr_analysis"] = {
      {"images", r.images},
      {"source", images},
      {"seconds", seconds_since(t0)},
      {"definition",
       "10*log10(sum fp32^2 / sum (fp32 - int8)^2) of each layer's output over all images; graph-wise = the "
       "whole int8 graph feeds the layer, layer-wise = only this layer int8; null = no error"}};
  return out;
}

json measure_onnxruntime_accuracy(const std::string& onnx_model, const ModelConfig& config,
                                  const std::string& path, const AccuracyOptions& options,
                                  const std::string& scratch_dir) {
  Dataset ds = open_dataset(path, config.dataset_options);
  if (options.num) ds = limit(ds, options.num);
  TopKAccumulator acc(class_count(config, ds), 5);
  BatchLoaderOptions lo;
  lo.batch_size = 256;  // decoded in chunks; ONNX Runtime runs the model's own batch size
  lo.threads = options.threads;
  lo.max_pixels = config.max_pixels;
  lo.on_skip = options.reporting.on_skip;
  BatchLoader loader(ds, config.preprocess, lo);
  Batch b;
  size_t images = 0;
  while (loader.next(b)) {
    const std::vector<float> scores = run_onnxruntime(onnx_model, b.input, scratch_dir, options.threads);
    const size_t row = scores.size() / static_cast<size_t>(b.size());
    for (int i = 0; i < b.size(); ++i)
      acc.add(std::span<const float>(scores.data() + i * row, row), b.labels[i]);
    images += static_cast<size_t>(b.size());
  }
  if (images == 0) fail(path, "no readable images for the ONNX Runtime accuracy");
  json out = accuracy_summary(acc, config.classes);
  out["runtime"] = "onnxruntime";
  out["model"] = onnx_model;
  return out;
}

}  // namespace qd::pipeline
