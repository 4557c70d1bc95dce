// qdeploy quantize: fp32 ncnn model + .table -> <prefix>.param/.bin int8 (like ncnn2int8).
#include <cstdio>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "frontend/ncnn/ncnn_table_reader.h"

namespace qd::cli {

namespace {
struct QuantizeArgs {
  std::string param, bin, table, out_prefix = "end2end_int8";
};

int run_quantize(const QuantizeArgs& a) {
  ir::Model model = load_model_files({a.param, a.bin});
  std::vector<std::string> warnings;
  model.quant = frontend::load_ncnn_table(a.table, model.graph, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());
  check_output_file(a.out_prefix + ".param");
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
  add_command(sub, [a] { return run_quantize(*a); });
}

}  // namespace qd::cli
