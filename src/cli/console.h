// What the CLI shows while library loops run: progress bars and "qdeploy: warning: skipped ..." on stderr.
#pragma once
#include <cstdio>

#include "util/progress.h"

namespace qd::cli {

inline void warn_skipped(const std::string& path, const std::string& reason) {
  std::fprintf(stderr, "qdeploy: warning: skipped %s: %s\n", path.c_str(), reason.c_str());
}

inline Reporting console_reporting() {
  Reporting r;
  r.progress = ProgressOptions{};  // stderr, redrawn on a terminal
  r.on_skip = warn_skipped;
  return r;
}

}  // namespace qd::cli
