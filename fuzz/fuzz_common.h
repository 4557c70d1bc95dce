// Shared helpers for the libFuzzer targets: a per-process scratch file (in /dev/shm when it exists, so
// writing the input each run costs little) and the expected-exception policy: qd::Error of kind user or
// unsupported is a correct answer to a bad input; anything else (internal error, other exception, crash)
// is a finding.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"

namespace qd::fuzz {

inline std::string scratch_path(const std::string& name) {
  const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  return std::string(base) + "/qd_fuzz_" + std::to_string(::getpid()) + "_" + name;
}

inline void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// Runs `f`; user/unsupported qd::Errors are fine, an internal error aborts (a finding).
template <typename F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const qd::Error& e) {
    if (e.kind() == qd::ErrorKind::internal) {
      std::fprintf(stderr, "internal error on fuzz input: %s\n", e.what());
      std::abort();
    }
  }
}

// Shared data folder (../shared of the checkout), overridable with QDEPLOY_SHARED_DIR in the environment.
inline std::string shared_dir() {
  const char* env = std::getenv("QDEPLOY_SHARED_DIR");
  return env ? env : QDEPLOY_SHARED_DIR;
}

}  // namespace qd::fuzz
