// qdeploy test: top-1/top-5 of any model (ONNX, ncnn fp32 or int8) on an image dataset, and a speed test.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/evaluate.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "runtime/cpu_isa.h"

namespace qd::cli {

namespace {
struct TestArgs {
  std::string config;
  std::vector<std::string> model;
  std::string dataset;
  std::vector<std::string> metrics{"accuracy"};
  bool speed_test = false;
  int warmup = 10, threads = 0, batch = 1;
  size_t limit = 0;
  std::string out;
  std::string table;  // int8 from the IR: the fp32 model + this .table (deploy's end2end.table)
};

int run_test(const TestArgs& a) {
  std::vector<std::string> warnings;
  ModelConfig cfg = load_model_config(a.config, &warnings);
  for (auto& w : warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());
  std::string data = a.dataset.empty() ? cfg.test_data : a.dataset;
  if (data.empty()) fail(a.config, "no dataset: give --dataset or set dataset.test in the config");
  if (a.batch < 1) fail("--batch", "must be at least 1");
  ir::Model model = load_model_files(a.model, cfg.input_shape);
  if (!a.table.empty()) {  // the int8 model from the IR, for every model our runtime runs (no ncnn files)
    if (!model.quant.empty()) fail(a.table, "--table needs an fp32 model, " + a.model[0] + " is int8");
    std::vector<std::string> table_warnings;
    model.quant = frontend::load_ncnn_table(a.table, model.graph, &table_warnings);
    for (auto& w : table_warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());
  }
  EvalOptions eo;
  eo.batch = a.batch;
  eo.threads = a.threads;
  eo.warmup = a.warmup;
  eo.limit = a.limit;
  eo.reporting = console_reporting();
  nlohmann::json preds = nlohmann::json::array();
  EvalResult r = evaluate(model, cfg, data, eo, a.out.empty() ? nullptr : &preds);

  std::printf("model    : %s%s\n", a.model[0].c_str(), model.quant.empty() ? " (fp32)" : " (int8)");
  std::printf("dataset  : %s (%zu images, %zu skipped, %zu resized)\n", data.c_str(), r.images, r.skipped,
              r.resized);
  std::printf("top-1    : %.4f (%lld/%lld)\n", r.accuracy.top1(),
              static_cast<long long>(r.accuracy.top1_correct()), static_cast<long long>(r.accuracy.total()));
  std::printf("top-5    : %.4f (%lld/%lld)\n", r.accuracy.topk(),
              static_cast<long long>(r.accuracy.topk_correct()), static_cast<long long>(r.accuracy.total()));
  if (a.speed_test && r.batch_ms.count() > 0) {
    double med = r.batch_ms.median();
    std::printf(
        "speed    : %.3f ms/image median, p90 %.3f ms/batch, %.1f images/s (batch %d, threads %d, %zu "
        "timed runs, oneDNN ISA %s)\n",
        med / a.batch, r.batch_ms.percentile(90), 1000.0 * a.batch / med, a.batch, a.threads,
        r.batch_ms.count(), runtime::onednn_cpu_isa().c_str());
    if (r.timed_wall_ms > 0)
      std::printf(
          "end2end  : %.1f images/s with decoding (%zu images in %.1f ms after the warm-up, %.1f ms of them "
          "inference)\n",
          1000.0 * static_cast<double>(r.timed_images) / r.timed_wall_ms, r.timed_images, r.timed_wall_ms,
          r.batch_ms.total_ms());
  }
  if (!a.out.empty()) {
    nlohmann::json j;
    j["model"] = a.model;
    j["dataset"] = data;
    j["top1"] = r.accuracy.top1();
    j["top5"] = r.accuracy.topk();
    j["images"] = r.images;
    j["skipped"] = r.skipped;
    if (r.batch_ms.count() > 0) {
      j["ms_per_image_median"] = r.batch_ms.median() / a.batch;
      j["batch"] = a.batch;
      j["threads"] = a.threads;
      j["isa"] = runtime::onednn_cpu_isa();
      if (r.timed_wall_ms > 0) j["images_per_second_end_to_end"] = 1000.0 * r.timed_images / r.timed_wall_ms;
    }
    j["predictions"] = std::move(preds);
    std::string text = j.dump(1);
    write_file_atomic(a.out, [&](std::ostream& os) { os << text; });
  }
  return 0;
}
}  // namespace

void register_test(CLI::App& app) {
  auto a = std::make_shared<TestArgs>();
  auto* sub = app.add_subcommand("test", "Top-1/top-5 accuracy (and --speed-test) of a model on a dataset");
  sub->add_option("config", a->config, "model config (configs/*.toml)")->required();
  sub->add_option("--model", a->model, "model.onnx, or model.param [model.bin] (fp32 or int8)")->required();
  sub->add_option("--dataset", a->dataset,
                  "ImageFolder dir, flat dir, list file or CIFAR .bin (default: config)");
  sub->add_option("--metrics", a->metrics, "metrics to report (accuracy)")->capture_default_str();
  sub->add_flag("--speed-test", a->speed_test,
                "report ms/image and images/s (median, decode excluded) and images/s end to end");
  sub->add_option("--warmup", a->warmup, "untimed runs before timing")->capture_default_str();
  sub->add_option("--threads", a->threads, "threads (0 = all cores)")->capture_default_str();
  sub->add_option("--batch", a->batch, "batch size")->capture_default_str();
  sub->add_option("--limit", a->limit, "use a deterministic subset of N images (0 = all)");
  sub->add_option("--out", a->out, "write every image's prediction and scores to this JSON file");
  sub->add_option("--table", a->table,
                  "test the int8 model: the fp32 --model quantized with this .table (e.g. deploy's "
                  "end2end.onnx + end2end.table)");
  add_command(sub, [a] { return run_test(*a); });
}

}  // namespace qd::cli
