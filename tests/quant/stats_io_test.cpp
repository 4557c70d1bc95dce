#include "quant/stats_io.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "quant/ranges/range_methods.h"

namespace qd::quant {
namespace {

CalibrationStats sample_stats() {
  CalibrationStats stats;
  stats.batches = 3;
  stats.samples = 6;
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.f, 1.5f);
  std::vector<float> v(2 * 5000);
  for (float& x : v) x = std::max(0.f, d(rng));
  ActivationStats a;
  a.observe(v, 2);
  for (float& x : v) x = d(rng) * 30.f;
  a.observe(v, 2);
  a.kl_histogram = RangeHistogram(2048, a.absmax());  // as the kl second pass leaves it
  a.kl_histogram.observe(v);
  stats.values.emplace("/layer 1/relu out", a);  // spaces survive: the name runs to the end of the line
  ActivationStats zeros;
  zeros.observe(std::vector<float>(64, 0.f), 2);
  stats.values.emplace("all_zero", zeros);
  return stats;
}

TEST(StatsIo, RoundTripIsExactAndDeterministic) {
  const CalibrationStats original = sample_stats();
  const std::string text = stats_to_text(original);
  const CalibrationStats loaded = stats_from_text(text, "stats.txt");
  EXPECT_EQ(stats_to_text(loaded), text);
  EXPECT_EQ(loaded.batches, 3u);
  EXPECT_EQ(loaded.samples, 6u);
  ASSERT_EQ(loaded.values.size(), 2u);
  for (const auto& [name, s] : original.values) {
    const ActivationStats* l = loaded.find(name);
    ASSERT_NE(l, nullptr) << name;
    EXPECT_EQ(l->absmax(), s.absmax());
    EXPECT_EQ(l->minmax.zero_count(), s.minmax.zero_count());
    EXPECT_EQ(l->elements_per_sample, s.elements_per_sample);
    EXPECT_EQ(l->histogram.range(), s.histogram.range());
    EXPECT_TRUE(
        std::equal(l->histogram.counts().begin(), l->histogram.counts().end(), s.histogram.counts().begin()));
    EXPECT_DOUBLE_EQ(l->moments.rms(), s.moments.rms());
    ASSERT_EQ(l->kl_histogram.collected(), s.kl_histogram.collected()) << name;
    EXPECT_EQ(l->kl_histogram.range(), s.kl_histogram.range());
    EXPECT_TRUE(std::equal(l->kl_histogram.counts().begin(), l->kl_histogram.counts().end(),
                           s.kl_histogram.counts().begin()));
    for (const std::string& m : range_method_names())
      EXPECT_EQ(compute_threshold(parse_range_method(m), *l, {}),
                compute_threshold(parse_range_method(m), s, {}))
          << name << " " << m;
  }
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    stats_from_text(text, "stats.txt");
    FAIL() << "expected an error containing " << fragment;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("stats.txt"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
}

TEST(StatsIo, MalformedInputNamesFileAndLine) {
  const std::string good = stats_to_text(sample_stats());
  expect_error("hello\n", "line 1");
  expect_error(good.substr(0, good.find("moments")), "unexpected end of file");
  std::string bad_bin = good;
  bad_bin.replace(bad_bin.find("histogram 8192 "), 15, "histogram 16 ");
  expect_error(bad_bin, "out of range");
  std::string bad_absmax = good;
  const size_t h = bad_absmax.find("histogram ");
  const size_t line_end = bad_absmax.find('\n', h);
  std::istringstream fields(bad_absmax.substr(h, line_end - h));
  std::string kw, bins, exponent, zeros, absmax, nonempty;
  fields >> kw >> bins >> exponent >> zeros >> absmax >> nonempty;
  bad_absmax.replace(h, line_end - h,
                     kw + " " + bins + " " + std::to_string(std::stoi(exponent) + 3) + " " + zeros + " " +
                         absmax + " " + nonempty);
  expect_error(bad_absmax, "does not match its absmax");
  std::string bad_kl = good;
  bad_kl.replace(bad_kl.find("kl_histogram 2048 "), 18, "kl_histogram 2048 -1 ");
  expect_error(bad_kl, "not a positive number");
}

}  // namespace
}  // namespace qd::quant
