// qdeploy quantize: fp32 ncnn model + .table -> <prefix>.param/.bin int8 (like ncnn2int8); with --max-drop,
// the layers that cost the most accuracy stay fp32 until the int8 model is within the budget.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/model_config.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "pipeline/deploy_measure.h"
#include "pipeline/validation_set.h"
#include "quant/mixed_precision.h"

namespace qd::cli {

namespace {
struct QuantizeArgs {
  std::string param, bin, table, out_prefix = "end2end_int8";
  double max_drop = -1;  // < 0: every table layer int8
  std::string config, val_dataset;
  size_t val_num = 500;
  int threads = 0;
};

void keep_layers_fp32_within_budget(ir::Model& model, const QuantizeArgs& a) {
  if (a.config.empty())
    fail("--max-drop", "needs --config <model config> (preprocessing of validation images)");
  const ModelConfig cfg = load_model_config(a.config);
  const std::string val = a.val_dataset.empty() ? cfg.calib_data : a.val_dataset;
  if (val.empty()) fail(a.config, "no dataset.calib in the config: give --val-dataset");
  const quant::LabelledBatches data = pipeline::load_validation_set(cfg, val, a.val_num, 16, warn_skipped);
  const ir::Model all_int8 = model;
  const quant::MixedPrecisionResult r = quant::keep_sensitive_layers_fp32(
      model, data, a.max_drop, a.threads, [](const std::string& s) { std::printf("%s\n", s.c_str()); });
  std::printf("mixed precision: budget %.2f points: fp32 %.4f, all-int8 %.4f, result %.4f (%s)\n", a.max_drop,
              r.fp32_top1, r.int8_top1, r.final_top1, r.budget_met ? "within budget" : "NOT within budget");
  if (r.steps.empty()) return;
  std::string kept;
  for (const auto& s : r.steps) kept += (kept.empty() ? "" : ", ") + s.layer;
  std::printf("mixed precision: %zu layer(s) kept in fp32: %s\n", r.steps.size(), kept.c_str());
  Tensor one(DataType::f32,
             {1, data.inputs[0].shape()[1], data.inputs[0].shape()[2], data.inputs[0].shape()[3]});
  std::memcpy(one.raw(), data.inputs[0].raw(), one.nbytes());
  // deploy's batch-1 timing in turns, the all-int8 model in the first ("fp32") slot.
  pipeline::SpeedOptions timing;
  timing.threads = a.threads;
  timing.runs = 40;
  timing.reporting = console_reporting();
  const nlohmann::json speed = pipeline::measure_speed(all_int8, &model, one, timing);
  const double int8_ms = speed["fp32"]["median_ms"], mixed_ms = speed["int8"]["median_ms"];
  std::printf(
      "mixed precision: speed cost (batch 1, median of 40, %s threads): all-int8 %.3f ms, mixed %.3f "
      "ms (%.2fx)\n",
      a.threads ? std::to_string(a.threads).c_str() : "all", int8_ms, mixed_ms, mixed_ms / int8_ms);
}

int run_quantize(const QuantizeArgs& a) {
  ir::Model model = load_model_files({a.param, a.bin});
  std::vector<std::string> warnings;
  model.quant = frontend::load_ncnn_table(a.table, model.graph, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());
  check_output_file(a.out_prefix + ".param");
  if (a.max_drop >= 0) keep_layers_fp32_within_budget(model, a);
  exporters::save_ncnn(model, a.out_prefix + ".param", a.out_prefix + ".bin");
  std::printf("quantize: %zu int8 layers -> %s.param, %s.bin\n", model.quant.layers.size(),
              a.out_prefix.c_str(), a.out_prefix.c_str());
  return 0;
}
}  // namespace

void register_quantize(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  auto* sub = app.add_subcommand("quantize", "fp32 ncnn model + .table -> int8 ncnn model (like ncnn2int8)");
  sub->add_option("param", a->param, "end2end.param")->required();
  sub->add_option("bin", a->bin, "end2end.bin")->required();
  sub->add_option("table", a->table, "end2end.table")->required();
  sub->add_option("--out-prefix", a->out_prefix, "writes <prefix>.param and <prefix>.bin")
      ->capture_default_str();
  sub->add_option(
         "--max-drop", a->max_drop,
         "accuracy budget in top-1 points: keep the most sensitive layers in fp32 until int8 top-1 on "
         "the validation images is within this of fp32 (needs --config)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--config", a->config,
                  "model config (preprocessing; its dataset.calib is the default "
                  "validation set, labelled by <class>_* file names)");
  sub->add_option("--val-dataset", a->val_dataset,
                  "labelled validation images for --max-drop (never the test set)");
  sub->add_option("--val-num", a->val_num, "validation images used by --max-drop")->capture_default_str();
  sub->add_option("--threads", a->threads, "threads (0 = all cores)")->capture_default_str();
  add_command(sub, [a] { return run_quantize(*a); });
}

}  // namespace qd::cli
