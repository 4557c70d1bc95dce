#include "quant/analyse/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace qd::quant {

void ErrorAccumulator::add(std::span<const float> ref, std::span<const float> test) {
  QD_CHECK(ref.size() == test.size(), "ErrorAccumulator::add: sizes differ");
  // Per-call partial sums in double; the running totals stay exact enough for billions of elements.
  double r2 = 0, t2 = 0, d = 0, n2 = 0;
  const size_t n = ref.size();
#pragma omp parallel for reduction(+ : r2, t2, d, n2) schedule(static) if (n > (1u << 16))
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i], t = test[i], e = r - t;
    r2 += r * r;
    t2 += t * t;
    d += r * t;
    n2 += e * e;
  }
  ref2_ += r2;
  test2_ += t2;
  dot_ += d;
  noise2_ += n2;
  count_ += n;
}

void ErrorAccumulator::merge(const ErrorAccumulator& o) {
  ref2_ += o.ref2_;
  test2_ += o.test2_;
  dot_ += o.dot_;
  noise2_ += o.noise2_;
  count_ += o.count_;
}

double ErrorAccumulator::snr_db() const {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (noise2_ == 0) return inf;
  if (ref2_ == 0) return -inf;
  return 10.0 * std::log10(ref2_ / noise2_);
}

double ErrorAccumulator::cosine() const {
  if (ref2_ == 0 && test2_ == 0) return 1.0;
  if (ref2_ == 0 || test2_ == 0) return 0.0;
  return dot_ / std::sqrt(ref2_ * test2_);
}

void PerImageSnr::add_rows(std::span<const float> ref, std::span<const float> test, size_t rows) {
  QD_CHECK(ref.size() == test.size(), "PerImageSnr::add_rows: sizes differ");
  QD_CHECK(rows > 0 && ref.size() % rows == 0, "PerImageSnr::add_rows: rows do not divide the data");
  const size_t n = ref.size() / rows;
  for (size_t r = 0; r < rows; ++r) {
    ErrorAccumulator a;
    a.add(ref.subspan(r * n, n), test.subspan(r * n, n));
    const double db = std::clamp(a.snr_db(), -kImageSnrCapDb, kImageSnrCapDb);
    sum_noise_ratio_ += std::pow(10.0, -db / 10.0);
    ++images_;
  }
}

double PerImageSnr::snr_db() const {
  if (images_ == 0) return kImageSnrCapDb;
  return std::min(kImageSnrCapDb, -10.0 * std::log10(sum_noise_ratio_ / static_cast<double>(images_)));
}

double snr_db(std::span<const float> ref, std::span<const float> test) {
  ErrorAccumulator a;
  a.add(ref, test);
  return a.snr_db();
}

double cosine_similarity(std::span<const float> ref, std::span<const float> test) {
  ErrorAccumulator a;
  a.add(ref, test);
  return a.cosine();
}

}  // namespace qd::quant
