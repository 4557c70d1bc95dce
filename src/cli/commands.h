// Subcommand registry: each cmd_<name>.cpp registers its options and a run function.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace qd::cli {

// Registers a subcommand; `run` is called when it is selected and returns the exit code.
void add_command(CLI::App* sub, std::function<int()> run);

void register_all(CLI::App& app);
int run_selected(CLI::App& app);

void register_convert(CLI::App& app);
void register_test(CLI::App& app);
void register_info(CLI::App& app);
void register_calibrate(CLI::App& app);
void register_quantize(CLI::App& app);
void register_deploy(CLI::App& app);
void register_analyze(CLI::App& app);
void register_bench(CLI::App& app);

}  // namespace qd::cli
