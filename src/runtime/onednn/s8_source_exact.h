// Whether the int8 kernels oneDNN dispatches to on this machine compute s8 (signed) sources exactly.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace qd::runtime::onednn {

// True on VNNI machines (avx512_core_vnni and up) when oneDNN does not scale the weights of s8-source
// convs: signed int8 values then feed convs and inner products directly. False elsewhere (AVX2, or
// ONEDNN_MAX_CPU_ISA=AVX2): signed inputs are split into two exact u8 halves. Decided once per process.
bool s8_sources_exact(const dnnl::engine& eng);

}  // namespace qd::runtime::onednn
