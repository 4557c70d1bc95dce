// The float exp approximation of our Swish/Sigmoid kernels, one set of constants for both vector widths
// (AVX2 epilogues in winograd_activation.h, AVX-512 passes in swish_step.cpp): n = round(v log2 e),
// r = v - n ln 2 in two parts (Cephes expf's split of ln 2), e^r = 1 + r + r^2 p(r) with p a cubic fitted
// for relative error on |r| <= ln 2 / 2 (1.7e-7 with float rounding), times 2^n.
#pragma once

namespace qd::runtime::onednn::exp_cubic {

inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln 2 = kLn2Hi + kLn2Lo
inline constexpr float kP3 = 0.00831253f, kP2 = 0.04189011f, kP1 = 0.16667114f, kP0 = 0.4999923f;

}  // namespace qd::runtime::onednn::exp_cubic
