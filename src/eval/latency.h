// Latency statistics over per-run times in milliseconds (warm-up runs are the caller's to leave out).
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

namespace qd {

class LatencyStats {
 public:
  void add(double ms) { samples_.push_back(ms); }

  size_t count() const { return samples_.size(); }
  const std::vector<double>& samples() const { return samples_; }
  double total_ms() const;
  double mean() const;
  double min() const;
  double max() const;
  // Percentile p in [0, 100] with linear interpolation between order statistics (numpy's default):
  // rank = p/100 * (n - 1). median() = percentile(50), p90() = percentile(90). 0 when empty.
  double percentile(double p) const;
  double median() const { return percentile(50); }
  double p90() const { return percentile(90); }
  // Throughput when each run processed `batch` images: batch * count / total seconds. 0 when empty.
  double images_per_second(int batch = 1) const;

 private:
  std::vector<double> samples_;
};

// Wall-clock timer for the runs fed into LatencyStats.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace qd
