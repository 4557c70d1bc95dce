// A progress bar on stderr for long loops (evaluation, calibration):
//   label [#####.....] 1234/10000 12.3 it/s ETA 0:42
// redrawn in place with '\r' at most ~10 times a second, and only when the stream is a terminal; a final
// summary line ("label 10000/10000 in 12.3 s, 812.1 it/s") is always written by finish().
// advance() may be called from several threads at once; drawing never blocks a caller.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace qd {

// The bar line for `done` of `total` items after `elapsed_s` seconds (no '\r'); bar_width '#'/'.' cells.
// The rate and ETA read "?" until something is done.
std::string format_progress(const std::string& label, int64_t done, int64_t total, double elapsed_s,
                            int bar_width = 20);
// "m:ss", or "h:mm:ss" from one hour; negative or non-finite -> "?".
std::string format_duration(double seconds);

struct ProgressOptions {
  std::FILE* stream = stderr;
  enum class Redraw {
    auto_detect,
    always,
    never
  } redraw = Redraw::auto_detect;  // auto: when stream is a TTY
  double min_interval_s = 0.1;
  int bar_width = 20;
};

// Called for each image a loader skips as unreadable (path, reason).
using SkipHandler = std::function<void(const std::string& path, const std::string& reason)>;

// How library loops (evaluation, calibration, measurements) report to a user: silent by default (library
// code never prints); the CLI passes its console's (progress bars and warnings on stderr).
struct Reporting {
  ProgressOptions progress{.stream = nullptr};  // bars of long loops; stream nullptr = none
  SkipHandler on_skip;                          // images skipped as unreadable; empty = not reported
};

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, ProgressOptions options = {});
  ~ProgressBar();  // calls finish() if not called yet, except while an exception unwinds (the error line
                   // must stay the last thing on stderr)
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t n = 1);
  // Ends the bar: clears the redrawn line (if any) and writes the summary line. Idempotent.
  void finish();
  int64_t done() const { return done_.load(); }

 private:
  void draw(bool force);
  double elapsed_s() const;

  std::string label_;
  int64_t total_;
  ProgressOptions options_;
  bool redraw_;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;  // guards everything below and the stream
  double last_draw_s_ = -1;
  size_t last_len_ = 0;
  bool finished_ = false;
  int uncaught_at_start_ = 0;  // std::uncaught_exceptions() when constructed
};

}  // namespace qd
