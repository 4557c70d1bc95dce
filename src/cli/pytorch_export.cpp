// Runs tools/export_pytorch.py as a child process (posix_spawn, no shell: paths need no quoting).
#include "cli/pytorch_export.h"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

extern char** environ;

namespace qd::cli {

namespace fs = std::filesystem;

bool is_pytorch_checkpoint(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pth" || ext == ".pt" || ext == ".ckpt";
}

namespace {
std::string find_upwards(fs::path dir, const fs::path& rel) {
  for (; !dir.empty(); dir = dir.parent_path()) {
    std::error_code ec;
    if (fs::is_regular_file(dir / rel, ec)) return (dir / rel).string();
    if (dir == dir.root_path()) break;
  }
  return {};
}

// Exit status of `argv[0]` found on PATH; -1 when it could not be started.
int run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
}  // namespace

std::string find_export_script() {
  if (const char* env = std::getenv("QDEPLOY_EXPORT_SCRIPT"); env && *env) {
    if (!fs::is_regular_file(env)) fail(env, "QDEPLOY_EXPORT_SCRIPT does not name a file");
    return env;
  }
  const fs::path rel = fs::path("tools") / "export_pytorch.py";
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::string found = ec ? std::string() : find_upwards(exe.parent_path(), rel);
  if (found.empty()) found = find_upwards(fs::current_path(), rel);
  if (found.empty())
    fail("tools/export_pytorch.py",
         "not found next to the qdeploy executable or the working directory; set QDEPLOY_EXPORT_SCRIPT");
  return found;
}

void export_pytorch_checkpoint(const PytorchExportRequest& r) {
  if (!fs::is_regular_file(r.checkpoint)) fail(r.checkpoint, "no such file");
  if (r.arch.empty()) fail(r.checkpoint, "a PyTorch checkpoint needs --arch (e.g. resnet18_cifar, resnet50)");
  std::vector<std::string> args = {"python3",      find_export_script(), "--arch", r.arch,
                                   "--checkpoint", r.checkpoint,         "--out",  r.out};
  if (r.num_classes > 0) args.insert(args.end(), {"--num-classes", std::to_string(r.num_classes)});
  if (r.height > 0) {
    args.insert(args.end(), {"--input-size", std::to_string(r.height)});
    if (r.width > 0 && r.width != r.height) args.push_back(std::to_string(r.width));
  }
  fs::remove(r.out);  // so a failed export cannot leave an old file that looks like a result
  // QDEPLOY_PYTHON if set; else `python3` on PATH, then Debian's own interpreter: apt's python3-torch lives
  // there when PATH's python3 is a pyenv/venv one (exit code 3 = the script could not import torch).
  std::vector<std::string> interpreters = {"python3", "/usr/bin/python3"};
  if (const char* env = std::getenv("QDEPLOY_PYTHON"); env && *env) interpreters = {env};
  int rc = -1;
  for (const std::string& interpreter : interpreters) {
    args[0] = interpreter;
    rc = run_process(args);
    if (rc != 3 && rc != 127 && rc != -1) break;
  }
  if (rc == -1 || rc == 127) fail(r.checkpoint, "cannot run python3 (needed to export PyTorch checkpoints)");
  if (rc == 3)
    fail(r.checkpoint, "python3 cannot import torch: install it with scripts/setup.sh --with-torch");
  if (rc != 0)
    fail(r.checkpoint, "PyTorch export failed (export_pytorch.py exit code " + std::to_string(rc) + ")");
  if (!fs::is_regular_file(r.out)) fail(r.out, "export_pytorch.py reported success but wrote no file");
}

nlohmann::json deploy_pytorch_stage(std::string& model, const std::string& arch, const ModelConfig& config,
                                    const std::string& work_dir) {
  if (!is_pytorch_checkpoint(model)) return nullptr;
  auto t = std::chrono::steady_clock::now();
  fs::path dir = fs::path(work_dir) / "pytorch";
  ensure_writable_dir(dir.string());
  PytorchExportRequest r;
  r.checkpoint = model;
  r.arch = arch;
  r.out = (dir / "end2end.onnx").string();
  r.num_classes = config.num_classes;
  r.height = static_cast<int>(config.preprocess.height);
  r.width = static_cast<int>(config.preprocess.width);
  export_pytorch_checkpoint(r);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  std::printf("[0/3] export    %.2f s, %s (%s) -> %s\n", seconds, model.c_str(), arch.c_str(), r.out.c_str());
  nlohmann::json stage = {{"stage", "pytorch_export"},
                          {"arch", arch},
                          {"inputs", {{{"path", model}, {"bytes", fs::file_size(model)}}}},
                          {"outputs", {{{"path", r.out}, {"bytes", fs::file_size(r.out)}}}},
                          {"seconds", seconds}};
  model = r.out;
  return stage;
}

}  // namespace qd::cli
