// Whether our int8 Winograd F(4x4, 3x3) beats oneDNN's direct VNNI int8 convolution on this CPU, measured
// once per process. Which one wins depends on the core, not only on the ISA: on the AMD EPYC where the
// VNNI rule of build_conv_winograd_int8 was measured (1 MB L2, AVX-512 on 256-bit units) our F(4x4) ran
// ResNet-18 CIFAR's 16x16 x 128 ch convs 5-15% faster than oneDNN's direct kernel; on an EPYC with 48 KB L1
// (full-width AVX-512) oneDNN's direct kernel ran the whole int8 model faster (one thread 1.84-1.90 ->
// 1.48-1.57 ms, two threads 2.17-2.38 -> 1.21-1.29 ms, ResNet-18 CIFAR, 2026-12-06), since its zmm
// vpdpbusd does twice the multiply-adds per instruction of our ymm vpdpwssd.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace qd::runtime::onednn {

// Times both on a 16x16 x 128 -> 128 channel u8 -> u8 conv (one thread, fastest of several interleaved
// runs each, ~5 ms on the first call) and caches the answer; true when the Winograd conv takes at most
// 95% of the direct conv's time. Needs winograd_int8_vnni_available().
bool winograd_int8_beats_direct_vnni(const dnnl::engine& eng);

}  // namespace qd::runtime::onednn
