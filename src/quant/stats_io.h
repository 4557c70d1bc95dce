// CalibrationStats <-> text, so statistics collected once (the expensive model run) can be stored and turned
// into QuantParams later with any method. Deterministic and diffable: values sorted by name, floats printed
// to round-trip exactly, only non-empty histogram bins listed. File I/O is left to the caller (the CLI writes
// atomically).
//
//   qdeploy-calibration-stats 1
//   batches <n> samples <n>
//   value <name to end of line>
//   minmax <min> <max> <finite count> <zero count> <non-finite count>
//   moments <count> <sum x^2> <sum |x|>
//   samples <elements per sample> <samples>
//   histogram <bins> <exponent> <zero count> <absmax> <non-empty bins>
//   <bin> <count> <bin> <count> ...
//   kl_histogram <bins> <range> <non-empty bins>     (only when the kl second pass ran)
//   <bin> <count> ...
//   end
#pragma once
#include <string>
#include <string_view>

#include "quant/calibrate.h"

namespace qd::quant {

std::string stats_to_text(const CalibrationStats& stats);

// Parses stats_to_text() output. Throws a user error "<context>: line N: ..." for malformed input.
CalibrationStats stats_from_text(std::string_view text, const std::string& context);

}  // namespace qd::quant
