// Runs the built qdeploy binary (QDEPLOY_BINARY) as a child process and checks the error contract of
// docs/errors.md: exit 1 (user error) or 2 (unsupported), never a signal, stderr exactly one line
// "qdeploy: error: <file>: <what>" (plus an optional "qdeploy: hint: ..." line), no file left behind.
#pragma once
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace qd::test {

struct RunResult {
  bool signaled = false;
  int signal = 0;
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs qdeploy with `args` (stdin /dev/null). fsize_limit >= 0 sets RLIMIT_FSIZE in the child (a file
// growing past it is like a full disk: the kernel sends SIGXFSZ, then write() fails with EFBIG).
// kill_after_ms >= 0 sends SIGKILL that many milliseconds after the start (when still running).
inline RunResult run_qdeploy(const std::vector<std::string>& args, long fsize_limit = -1,
                             int kill_after_ms = -1) {
  static int counter = 0;
  const std::string base = (std::filesystem::temp_directory_path() /
                            ("qd_cli_run_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
                               .string();
  const std::string out_path = base + ".out", err_path = base + ".err";
  std::vector<std::string> argv_s{QDEPLOY_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (fsize_limit >= 0) {
      rlimit rl{static_cast<rlim_t>(fsize_limit), static_cast<rlim_t>(fsize_limit)};
      ::setrlimit(RLIMIT_FSIZE, &rl);
    }
    ::signal(SIGXFSZ, SIG_DFL);  // as a user's shell would leave it
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  RunResult r;
  int status = 0;
  if (kill_after_ms >= 0) {
    ::usleep(static_cast<useconds_t>(kill_after_ms) * 1000);
    ::kill(pid, SIGKILL);
  }
  ::waitpid(pid, &status, 0);
  r.signaled = WIFSIGNALED(status);
  r.signal = r.signaled ? WTERMSIG(status) : 0;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  for (std::string l; std::getline(is, l);) out.push_back(l);
  return out;
}

inline std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.code) + (r.signaled ? " signal " + std::to_string(r.signal) : "") +
         "\n--- stderr ---\n" + r.err + "--- stdout ---\n" + r.out;
}

// The error contract for one failing run: `code`, no signal, stderr = optional "qdeploy: warning: ..."
// lines (e.g. skipped images), then one "qdeploy: error: <file>[:<line>...]: ..." line containing `what`,
// then at most one "qdeploy: hint: " line.
inline ::testing::AssertionResult is_error(const RunResult& r, int code, const std::string& file,
                                           const std::string& what) {
  if (r.signaled) return ::testing::AssertionFailure() << "killed by a signal: " << describe(r);
  if (r.code != code) return ::testing::AssertionFailure() << "expected exit " << code << ": " << describe(r);
  auto lines = lines_of(r.err);
  while (!lines.empty() && lines[0].rfind("qdeploy: warning: ", 0) == 0) lines.erase(lines.begin());
  const std::string prefix = "qdeploy: error: " + file + ":";
  if (lines.empty() || lines[0].rfind(prefix, 0) != 0)
    return ::testing::AssertionFailure() << "stderr does not start with '" << prefix << "': " << describe(r);
  if (lines[0].find(what) == std::string::npos)
    return ::testing::AssertionFailure() << "message lacks '" << what << "': " << describe(r);
  if (lines.size() > 2 || (lines.size() == 2 && lines[1].rfind("qdeploy: hint: ", 0) != 0))
    return ::testing::AssertionFailure() << "more than one error line (+ hint): " << describe(r);
  return ::testing::AssertionSuccess();
}

// Success: exit 0, no signal, and every stderr line is a progress bar or "qdeploy: warning: ..." (when
// `warning` is not empty, one of them must contain it).
inline ::testing::AssertionResult is_success(const RunResult& r, const std::string& warning = "") {
  if (r.signaled || r.code != 0) return ::testing::AssertionFailure() << "expected success: " << describe(r);
  bool found = warning.empty();
  for (const auto& l : lines_of(r.err)) {
    if (l.rfind("qdeploy: error", 0) == 0)
      return ::testing::AssertionFailure() << "error line: " << describe(r);
    if (l.rfind("qdeploy: warning: ", 0) == 0 && l.find(warning) != std::string::npos) found = true;
  }
  if (!found)
    return ::testing::AssertionFailure() << "no warning containing '" << warning << "': " << describe(r);
  return ::testing::AssertionSuccess();
}

// Regular files under `dir` (recursive), relative and sorted; empty when dir does not exist.
inline std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace qd::test
