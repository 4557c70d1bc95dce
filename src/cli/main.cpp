// qdeploy command-line entry point: builds the subcommand tree and maps errors to exit codes
// (0 success, 1 user error, 2 unsupported model feature).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  // A file growing past RLIMIT_FSIZE (a quota, a full disk emulated by ulimit -f) must fail the write with
  // EFBIG and give our error message, not kill the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "qdeploy " QDEPLOY_VERSION
      " - convert, quantize (int8 PTQ), test and benchmark CNN image classifiers.\n"
      "Flow: ONNX -> ncnn .param/.bin -> calibration .table -> int8 model, all in one native program."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "qdeploy " QDEPLOY_VERSION);
  qd::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    return qd::cli::run_selected(app);
  } catch (const qd::Error& e) {
    std::fprintf(stderr, "qdeploy: error: %s\n", e.what());
    return e.kind() == qd::ErrorKind::unsupported ? 2 : 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "qdeploy: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qdeploy: error: %s\n", e.what());
    return 1;
  }
}
