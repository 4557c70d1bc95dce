// qdeploy calibrate: fp32 model + calibration images -> ncnn .table (activation and weight scales).
#include <cstdio>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "pipeline/dataset_calibration.h"
#include "quant/ptq_passes.h"
#include "settings/deploy_target.h"
#include "settings/name_list.h"
#include "settings/range_method.h"
#include "settings/weight_bits.h"

namespace qd::cli {

namespace {
struct CalibArgs {
  std::string config, param, bin, images, method = "kl", out = "end2end.table", target = "ncnn", passes,
                                          out_model;
  size_t calib_num = 1000;
  float percentile = 99.99f;
  int batch = 16;
  int weight_bits = 0;  // 0 = by target
  int threads = 0;      // 0 = all cores
};

int run_calibrate(const CalibArgs& a) {
  // Settings are parsed first: a bad one fails before the (long) calibration run.
  quant::CalibOptions co;
  co.method = parse_range_method(a.method, "--method");
  co.percentile = a.percentile;
  co.target = parse_deploy_target(a.target, "--target");
  co.batch = a.batch;
  co.weight_bits = parse_weight_bits(a.weight_bits, "--weight-bits");
  if (a.threads < 0) fail("--threads", "must be at least 0 (0 = all cores)");
  co.num_threads = a.threads;
  ModelConfig cfg = load_model_config(a.config);
  std::string images = a.images.empty() ? cfg.calib_data : a.images;
  ir::Model model = load_model_files(
      a.bin.empty() ? std::vector<std::string>{a.param} : std::vector<std::string>{a.param, a.bin},
      cfg.input_shape);
  pipeline::DatasetCalibrationOptions dco;
  dco.images = images;
  dco.max_images = a.calib_num;
  dco.calib = co;
  dco.reporting = console_reporting();
  dco.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  pipeline::DatasetCalibration calibration(cfg, dco);
  check_output_file(a.out);
  const std::vector<std::string> passes = quant::parse_ptq_passes(a.passes, "--passes");
  for (const std::string& p : passes)
    if (quant::ptq_pass_changes_weights(p) && a.out_model.empty())
      fail("--passes",
           "pass '" + p +
               "' changes the weights, which a .table cannot hold: give --out-model PREFIX for the "
               "fp32 model the table belongs to");
  if (!a.out_model.empty()) check_output_file(a.out_model + ".param");
  calibration.collect(model);
  std::vector<std::string> pass_log;
  model = calibration.quantize(model, passes, &pass_log);
  for (const std::string& line : pass_log) std::printf("%s\n", line.c_str());
  const ir::QuantParams& q = model.quant;
  exporters::save_ncnn_table(q, model.graph, a.out);
  if (!a.out_model.empty()) {  // the fp32 weights the passes changed; quantize this model with the table
    ir::Model fp32{model.graph, {}};
    exporters::save_ncnn(fp32, a.out_model + ".param", a.out_model + ".bin");
    std::printf("calibrate: fp32 model with the passes' weights -> %s.param, %s.bin\n", a.out_model.c_str(),
                a.out_model.c_str());
  }
  std::printf("calibrate: %zu images (%zu skipped), method %s, %zu layers -> %s\n", calibration.images(),
              calibration.skipped(), a.method.c_str(), q.layers.size(), a.out.c_str());
  return 0;
}
}  // namespace

void register_calibrate(CLI::App& app) {
  auto a = std::make_shared<CalibArgs>();
  auto* sub = app.add_subcommand(
      "calibrate", "Calibrate an fp32 model (ncnn or ONNX) on images -> ncnn .table (like ncnn2table)");
  sub->add_option("config", a->config, "model config")->required();
  sub->add_option("param", a->param,
                  "end2end.param, or model.onnx (calibration runs on the IR: any model our runtime runs)")
      ->required();
  sub->add_option("bin", a->bin, "end2end.bin (none for a .onnx model)");
  sub->add_option("--images", a->images, "calibration images (default: dataset.calib of the config)");
  sub->add_option("--method", a->method, range_method_choices())->capture_default_str();
  sub->add_option("--percentile", a->percentile, "for --method percentile")->capture_default_str();
  sub->add_option("--calib-num", a->calib_num, "at most N images")->capture_default_str();
  sub->add_option("--target", a->target,
                  settings::join_names(deploy_target_names(), " | ") +
                      " (ncnn: 6-bit weights for 3x3 s1 convs, as ncnn2table)")
      ->capture_default_str();
  sub->add_option("--batch", a->batch, "calibration batch size")->capture_default_str();
  sub->add_option("--weight-bits", a->weight_bits, weight_bits_help())->capture_default_str();
  sub->add_option(
      "--passes", a->passes,
      "post-calibration passes, comma-separated, in order: " + settings::join_names(quant::ptq_pass_names()) +
          " (weight-changing ones need --out-model); each is undone when the int8 output on the calibration "
          "images gets further from fp32 (docs/ptq_passes.md)");
  sub->add_option(
      "--out-model", a->out_model,
      "writes PREFIX.param/.bin: the fp32 model with the passes' weights, to quantize with the table");
  sub->add_option("--out", a->out, "output .table")->capture_default_str();
  sub->add_option("--threads", a->threads, "threads (0 = all cores)")->capture_default_str();
  add_command(sub, [a] { return run_calibrate(*a); });
}

}  // namespace qd::cli
