// Runs the built qdeploy binary for tests/cli: $QDEPLOY_BINARY from the environment or the build, else the
// qdeploy next to this test program. Output is stdout and stderr together. Also the source and shared-data
// paths both tests/cli programs use.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace qd::test {

// The source checkout and ../shared, as CMake passes them to every test program.
inline const std::string kShared = QDEPLOY_SHARED_DIR;
inline const std::string kSrc = QDEPLOY_SOURCE_DIR;

inline std::string qdeploy_binary() {
  if (const char* b = std::getenv("QDEPLOY_BINARY")) return b;
#ifdef QDEPLOY_BINARY
  return QDEPLOY_BINARY;
#endif
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "qdeploy").string();
}

struct CmdResult {
  int code;  // exit code, -1 when killed by a signal
  std::string out;
};

inline CmdResult run_qdeploy(const std::string& args) {
  const std::string cmd = qdeploy_binary() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace qd::test
