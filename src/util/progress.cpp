#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>

namespace qd {
namespace {

std::string fixed1(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[64];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  return buf;
}

std::string format_progress(const std::string& label, int64_t done, int64_t total, double elapsed_s,
                            int bar_width) {
  const double fraction = total > 0 ? std::clamp(static_cast<double>(done) / total, 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(fraction * bar_width);
  std::string line = label;
  line.append(" [").append(filled, '#').append(bar_width - filled, '.').append("] ");
  line.append(std::to_string(done)).append("/").append(std::to_string(total));
  if (done > 0 && elapsed_s > 0) {
    const double rate = done / elapsed_s;
    line.append(" ").append(fixed1(rate)).append(" it/s ETA ");
    line.append(format_duration(std::max<int64_t>(total - done, 0) / rate));
  } else {
    line += " ? it/s ETA ?";
  }
  return line;
}

ProgressBar::ProgressBar(std::string label, int64_t total, ProgressOptions options)
    : label_(std::move(label)),
      total_(total),
      options_(options),
      start_(std::chrono::steady_clock::now()),
      uncaught_at_start_(std::uncaught_exceptions()) {
  switch (options_.redraw) {
    case ProgressOptions::Redraw::always:
      redraw_ = true;
      break;
    case ProgressOptions::Redraw::never:
      redraw_ = false;
      break;
    default:
      redraw_ = options_.stream && ::isatty(::fileno(options_.stream));
      break;
  }
}

ProgressBar::~ProgressBar() {
  if (std::uncaught_exceptions() > uncaught_at_start_) return;  // failing: no summary line before the error
  finish();
}

double ProgressBar::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::advance(int64_t n) {
  done_.fetch_add(n);
  if (redraw_) draw(false);
}

void ProgressBar::draw(bool force) {
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() && !force) return;  // another thread is drawing: skip this frame
  if (!lock.owns_lock()) lock.lock();
  if (finished_) return;
  const double now = elapsed_s();
  if (!force && last_draw_s_ >= 0 && now - last_draw_s_ < options_.min_interval_s) return;
  last_draw_s_ = now;
  const std::string line = format_progress(label_, done_.load(), total_, now, options_.bar_width);
  // Pad with spaces so a shorter line fully covers the previous one.
  const std::string pad(last_len_ > line.size() ? last_len_ - line.size() : 0, ' ');
  std::fprintf(options_.stream, "\r%s%s", line.c_str(), pad.c_str());
  std::fflush(options_.stream);
  last_len_ = line.size();
}

void ProgressBar::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_ || !options_.stream) return;
  finished_ = true;
  const double secs = elapsed_s();
  const int64_t done = done_.load();
  std::string line = label_;
  line.append(" ").append(std::to_string(done)).append("/").append(std::to_string(total_));
  line.append(" in ").append(fixed1(secs)).append(" s");
  if (secs > 0 && done > 0) line += ", " + fixed1(done / secs) + " it/s";
  const std::string pad(last_len_ > line.size() ? last_len_ - line.size() : 0, ' ');
  std::fprintf(options_.stream, "%s%s%s\n", redraw_ && last_len_ ? "\r" : "", line.c_str(), pad.c_str());
  std::fflush(options_.stream);
}

}  // namespace qd
