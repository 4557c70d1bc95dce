// qdeploy convert: ONNX -> end2end.onnx (copy) + end2end.param/.bin (ncnn).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "frontend/onnx/onnx_importer.h"

namespace qd::cli {

namespace {
struct ConvertArgs {
  std::string model;
  std::string work_dir = "work_dirs/convert";
};

int run_convert(const ConvertArgs& a) {
  ensure_writable_dir(a.work_dir);
  namespace fs = std::filesystem;
  auto t0 = std::chrono::steady_clock::now();
  ir::Model m = frontend::import_onnx(a.model);
  std::string base = (fs::path(a.work_dir) / "end2end").string();
  copy_file_atomic(a.model, base + ".onnx");
  exporters::save_ncnn(m, base + ".param", base + ".bin");
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("convert: %s -> %s.onnx, %s.param, %s.bin (%zu layers, %.2f s)\n", a.model.c_str(),
              base.c_str(), base.c_str(), base.c_str(), m.graph.nodes().size(), s);
  return 0;
}
}  // namespace

void register_convert(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* sub = app.add_subcommand("convert",
                                 "Convert an ONNX model to ncnn .param/.bin (like onnx2ncnn + ncnnoptimize)");
  sub->add_option("model", a->model, "input model.onnx")->required();
  sub->add_option("--work-dir", a->work_dir, "output folder (end2end.onnx, end2end.param, end2end.bin)")
      ->capture_default_str();
  add_command(sub, [a] { return run_convert(*a); });
}

}  // namespace qd::cli
