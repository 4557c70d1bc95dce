#include "quant/stats_io.h"

#include <cstdio>
#include <span>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace qd::quant {
namespace {

constexpr std::string_view kMagic = "qdeploy-calibration-stats 1";

std::string fmt(const char* f, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string f32(float v) { return fmt("%.9g", v); }  // 9 significant digits round-trip a float
std::string f64(double v) { return fmt("%.17g", v); }

// Line reader with error context.
class Lines {
 public:
  Lines(std::string_view text, const std::string& context) : text_(text), context_(context) {}

  // Next line; false at the end.
  bool next(std::string& line) {
    if (pos_ >= text_.size()) return false;
    const size_t end = text_.find('\n', pos_);
    line =
        std::string(text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_));
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++number_;
    return true;
  }
  std::string expect_line(const std::string& what) {
    std::string line;
    if (!next(line)) fail(context_, "unexpected end of file, expected " + what);
    return line;
  }
  // Splits `line`, checks it starts with `keyword`, returns the stream positioned after it.
  std::istringstream fields(const std::string& line, const std::string& keyword) {
    std::istringstream ss(line);
    std::string k;
    if (!(ss >> k) || k != keyword) error("expected '" + keyword + "'");
    return ss;
  }
  [[noreturn]] void error(const std::string& msg) const {
    fail(context_, "line " + std::to_string(number_) + ": " + msg);
  }
  template <typename... T>
  void read(std::istringstream& ss, const std::string& what, T&... out) {
    if (!((ss >> out) && ...)) error("malformed " + what);
  }

 private:
  std::string_view text_;
  const std::string& context_;
  size_t pos_ = 0;
  int number_ = 0;
};

// "<bin> <count> ..." of the non-empty bins.
std::string sparse_bins(std::span<const uint64_t> counts) {
  std::string bins;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (!counts[i]) continue;
    if (!bins.empty()) bins += ' ';
    bins += std::to_string(i);
    bins += ' ';
    bins += std::to_string(counts[i]);
  }
  return bins;
}
size_t nonempty_bins(std::span<const uint64_t> counts) {
  size_t n = 0;
  for (uint64_t c : counts) n += c != 0;
  return n;
}

// Reads the line of `nonempty` "<bin> <count>" pairs into `bins` counts.
std::vector<uint64_t> read_sparse_bins(Lines& lines, int bins, size_t nonempty, const std::string& what) {
  if (bins <= 0 || bins > (1 << 24)) lines.error("bad " + what + " bin count " + std::to_string(bins));
  std::vector<uint64_t> counts(bins, 0);
  std::istringstream bl(lines.expect_line(what + " bins"));
  for (size_t k = 0; k < nonempty; ++k) {
    int64_t i = 0;
    uint64_t c = 0;
    lines.read(bl, what + " bin", i, c);
    if (i < 0 || i >= bins) lines.error(what + " bin " + std::to_string(i) + " out of range");
    counts[i] = c;
  }
  return counts;
}

}  // namespace

std::string stats_to_text(const CalibrationStats& stats) {
  std::string out(kMagic);
  out += "\nbatches " + std::to_string(stats.batches) + " samples " + std::to_string(stats.samples) + "\n";
  for (const auto& [name, s] : stats.values) {
    const MinMaxObserver& mm = s.minmax;
    const MomentsObserver& mo = s.moments;
    const AbsHistogram& h = s.histogram;
    out += "value " + name + "\n";
    out += "minmax " + f32(mm.min()) + " " + f32(mm.max()) + " " + std::to_string(mm.count()) + " " +
           std::to_string(mm.zero_count()) + " " + std::to_string(mm.nonfinite_count()) + "\n";
    out += "moments " + std::to_string(mo.count()) + " " + f64(mo.sum_sq()) + " " + f64(mo.sum_abs()) + "\n";
    out += "samples " + std::to_string(s.elements_per_sample) + " " + std::to_string(s.samples) + "\n";
    out += "histogram " + std::to_string(h.num_bins()) + " " + std::to_string(h.empty() ? 0 : h.exponent()) +
           " " + std::to_string(h.zero_count()) + " " + f32(h.absmax()) + " " +
           std::to_string(nonempty_bins(h.counts())) + "\n";
    out += sparse_bins(h.counts()) + "\n";
    if (const RangeHistogram& k = s.kl_histogram; k.collected()) {
      out += "kl_histogram " + std::to_string(k.num_bins()) + " " + f32(k.range()) + " " +
             std::to_string(nonempty_bins(k.counts())) + "\n";
      out += sparse_bins(k.counts()) + "\n";
    }
    out += "end\n";
  }
  return out;
}

CalibrationStats stats_from_text(std::string_view text, const std::string& context) {
  Lines lines(text, context);
  if (lines.expect_line("header") != kMagic) lines.error("not a qdeploy calibration statistics file");
  CalibrationStats stats;
  {
    std::istringstream ss = lines.fields(lines.expect_line("'batches'"), "batches");
    std::string samples_kw;
    lines.read(ss, "batch counts", stats.batches, samples_kw, stats.samples);
    if (samples_kw != "samples") lines.error("expected 'samples'");
  }
  std::string line;
  while (lines.next(line)) {
    if (line.empty()) continue;
    if (line.rfind("value ", 0) != 0) lines.error("expected 'value <name>'");
    const std::string name = line.substr(6);
    if (name.empty() || stats.values.count(name))
      lines.error("missing or repeated value name '" + name + "'");

    float min = 0, max = 0, absmax = 0;
    uint64_t count = 0, zeros = 0, nonfinite = 0, mcount = 0, samples = 0, hzeros = 0;
    double sum_sq = 0, sum_abs = 0;
    int64_t per_sample = 0;
    int bins = 0, exponent = 0;
    size_t nonempty = 0;
    std::istringstream mm = lines.fields(lines.expect_line("'minmax'"), "minmax");
    lines.read(mm, "minmax", min, max, count, zeros, nonfinite);
    std::istringstream mo = lines.fields(lines.expect_line("'moments'"), "moments");
    lines.read(mo, "moments", mcount, sum_sq, sum_abs);
    std::istringstream sa = lines.fields(lines.expect_line("'samples'"), "samples");
    lines.read(sa, "samples", per_sample, samples);
    std::istringstream hi = lines.fields(lines.expect_line("'histogram'"), "histogram");
    lines.read(hi, "histogram header", bins, exponent, hzeros, absmax, nonempty);
    std::vector<uint64_t> counts = read_sparse_bins(lines, bins, nonempty, "histogram");
    std::string last = lines.expect_line("'end'");
    RangeHistogram kl_histogram;
    if (last.rfind("kl_histogram ", 0) == 0) {  // optional: the kl second pass ran
      std::istringstream kh = lines.fields(last, "kl_histogram");
      int kl_bins = 0;
      float kl_range = 0;
      size_t kl_nonempty = 0;
      lines.read(kh, "kl_histogram header", kl_bins, kl_range, kl_nonempty);
      std::vector<uint64_t> kl_counts = read_sparse_bins(lines, kl_bins, kl_nonempty, "kl_histogram");
      kl_histogram =
          RangeHistogram::restore(std::move(kl_counts), kl_range, context + ": value '" + name + "'");
      last = lines.expect_line("'end'");
    }
    if (last != "end") lines.error("expected 'end'");

    ActivationStats s(bins);
    s.minmax = MinMaxObserver::restore(min, max, count, zeros, nonfinite);
    s.moments = MomentsObserver::restore(mcount, sum_sq, sum_abs);
    s.histogram = AbsHistogram::restore(std::move(counts), exponent, hzeros, absmax,
                                        context + ": value '" + name + "'");
    s.kl_histogram = std::move(kl_histogram);
    s.elements_per_sample = per_sample;
    s.samples = samples;
    stats.values.emplace(name, std::move(s));
  }
  return stats;
}

}  // namespace qd::quant
