// kl: entropy calibration as in ncnn2table / TensorRT. On a histogram of |x| over [0, absmax] with
// `num_bins` bins, try every clip point t = target_bins .. num_bins-1 (in bins):
//   P = the first t bins, with the mass beyond t added to bin t-1;
//   Q = the first t bins (without the tail) averaged into target_bins equal wide bins (fractional bin edges,
//       mass assumed uniform within a bin), then spread back uniformly over the t bins;
//   both smoothed by adding eps = 1e-4 to every bin (ncnn), then KL(P||Q) = sum P log(P/Q).
// The t with the smallest KL wins and threshold = (t + 0.5) * absmax / num_bins.
#pragma once
#include <span>
#include <vector>

#include "quant/observers/activation_stats.h"

namespace qd::quant {

// KL(P_t || Q_t) for every clip point t = target_bins .. hist.size()-1 (element t - target_bins); empty when
// hist.size() <= target_bins or the histogram is empty. For diagnostics: the curve is often flat near its
// minimum, so small changes in the data can move the chosen t noticeably.
std::vector<double> kl_divergence_curve(std::span<const double> hist, int target_bins);

// The clip point t (number of bins kept, target_bins <= t < hist.size()) minimising KL(P_t || Q_t) for an
// un-normalised histogram; hist.size() - 1 when hist.size() <= target_bins or the histogram is empty.
int kl_best_bin_count(std::span<const double> hist, int target_bins);

// The KL threshold in absmax units (0 for an all-zero activation). Zeros are not in the histogram (ncnn).
// The histogram is stats.kl_histogram when it has num_bins bins over [0, absmax] (ncnn2table's, from the
// second calibration pass), else the streaming histogram resampled to that grid (an approximation: the
// chosen bin can move by a few bins where the KL curve is flat).
float kl_threshold(const ActivationStats& stats, int num_bins = 2048, int target_bins = 128);

}  // namespace qd::quant
