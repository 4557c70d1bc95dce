#include "cli/commands.h"

#include <vector>

namespace qd::cli {

namespace {
std::vector<std::pair<CLI::App*, std::function<int()>>>& registry() {
  static std::vector<std::pair<CLI::App*, std::function<int()>>> r;
  return r;
}
}  // namespace

void add_command(CLI::App* sub, std::function<int()> run) { registry().emplace_back(sub, std::move(run)); }

void register_all(CLI::App& app) {
  register_convert(app);
  register_calibrate(app);
  register_quantize(app);
  register_test(app);
  register_deploy(app);
  register_info(app);
  register_analyze(app);
  register_bench(app);
}

int run_selected(CLI::App& app) {
  for (auto& [sub, run] : registry())
    if (sub->parsed()) return run();
  return 1;
}

}  // namespace qd::cli
