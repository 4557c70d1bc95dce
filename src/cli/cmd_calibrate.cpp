// qdeploy calibrate: fp32 model + calibration images -> ncnn .table (activation and weight scales).
#include <cstdio>

#include "cli/calibration_source.h"
#include "cli/commands.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "eval/progress.h"
#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "quant/ptq_passes.h"
#include "quant/ranges/range_methods.h"
#include "quant/weight_quant.h"

namespace qd::cli {

namespace {
struct CalibArgs {
  std::string config, param, bin, images, method = "kl", out = "end2end.table", target = "ncnn", passes,
                                          out_model;
  size_t calib_num = 1000;
  float percentile = 99.99f;
  int batch = 16;
  int weight_bits = 0;  // 0 = by target
};

int run_calibrate(const CalibArgs& a) {
  ModelConfig cfg = load_model_config(a.config);
  std::string images = a.images.empty() ? cfg.calib_data : a.images;
  ir::Model model = load_model_files({a.param, a.bin}, cfg.input_shape);
  CalibrationSource src(images, cfg, a.calib_num, a.batch);
  quant::CalibOptions co;
  co.method = a.method;
  co.percentile = a.percentile;
  co.target = a.target;
  co.batch = a.batch;
  co.weight_bits = a.weight_bits;
  quant::check_range_method(co.method);  // fail before the (long) calibration run
  check_output_file(a.out);
  quant::check_quant_target(co.target);
  if (a.weight_bits != 0 && a.weight_bits != 4 && a.weight_bits != 6 && a.weight_bits != 8)
    fail("--weight-bits", "must be 4, 6 or 8 (or 0: by target), got " + std::to_string(a.weight_bits));
  const std::vector<std::string> passes = quant::parse_ptq_passes(a.passes);
  for (const std::string& p : passes)
    if (quant::ptq_pass_changes_weights(p) && a.out_model.empty())
      fail("--passes",
           "pass '" + p +
               "' changes the weights, which a .table cannot hold: give --out-model PREFIX for the "
               "fp32 model the table belongs to");
  if (!a.out_model.empty()) check_output_file(a.out_model + ".param");
  ProgressBar bar("calibrate", static_cast<int64_t>(src.size()));
  const quant::CalibrationStats stats =
      quant::collect_stats(model, src, co, [&](size_t done, size_t) { bar.advance(1); });
  bar.finish();
  model.quant = quant::params_from_stats(stats, model, co);
  quant::PtqPassInputs in;
  in.stats = &stats;
  in.make_source = [&] { return std::make_unique<CalibrationSource>(images, cfg, a.calib_num, a.batch); };
  in.options = co;
  in.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  for (const std::string& line : quant::run_ptq_passes(passes, model, in)) std::printf("%s\n", line.c_str());
  const ir::QuantParams& q = model.quant;
  exporters::save_ncnn_table(q, model.graph, a.out);
  if (!a.out_model.empty()) {  // the fp32 weights the passes changed; quantize this model with the table
    ir::Model fp32{model.graph, {}};
    exporters::save_ncnn(fp32, a.out_model + ".param", a.out_model + ".bin");
    std::printf("calibrate: fp32 model with the passes' weights -> %s.param, %s.bin\n", a.out_model.c_str(),
                a.out_model.c_str());
  }
  std::printf("calibrate: %zu images (%zu skipped), method %s, %zu layers -> %s\n", src.images(),
              src.skipped(), a.method.c_str(), q.layers.size(), a.out.c_str());
  return 0;
}
}  // namespace

void register_calibrate(CLI::App& app) {
  auto a = std::make_shared<CalibArgs>();
  auto* sub = app.add_subcommand("calibrate",
                                 "Calibrate an fp32 ncnn model on images -> ncnn .table (like ncnn2table)");
  sub->add_option("config", a->config, "model config")->required();
  sub->add_option("param", a->param, "end2end.param")->required();
  sub->add_option("bin", a->bin, "end2end.bin")->required();
  sub->add_option("--images", a->images, "calibration images (default: dataset.calib of the config)");
  sub->add_option("--method", a->method, "kl | minmax | percentile | mse | aciq")->capture_default_str();
  sub->add_option("--percentile", a->percentile, "for --method percentile")->capture_default_str();
  sub->add_option("--calib-num", a->calib_num, "at most N images")->capture_default_str();
  sub->add_option("--target", a->target, "ncnn (6-bit 3x3s1 weights, as ncnn2table) | qdeploy")
      ->capture_default_str();
  sub->add_option("--batch", a->batch, "calibration batch size")->capture_default_str();
  sub->add_option(
         "--weight-bits", a->weight_bits,
         "4 | 6 | 8: weight grid of every layer (stored as int8; 4 = values in [-7, 7]); 0 = by target")
      ->capture_default_str();
  sub->add_option("--passes", a->passes,
                  "post-calibration passes, comma-separated, in order: cross_layer_equalization, "
                  "method_selection, adaround, bias_correction (weight-changing ones need --out-model)");
  sub->add_option(
      "--out-model", a->out_model,
      "writes PREFIX.param/.bin: the fp32 model with the passes' weights, to quantize with the table");
  sub->add_option("--out", a->out, "output .table")->capture_default_str();
  add_command(sub, [a] { return run_calibrate(*a); });
}

}  // namespace qd::cli
