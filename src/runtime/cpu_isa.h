// Which instruction set the runtime's kernels use on this machine, for every speed figure we print.
#pragma once
#include <string>
#include <string_view>

namespace qd::runtime {

// The most capable ISA oneDNN dispatches to here, in oneDNN's own spelling ("avx2", "avx512_core_vnni",
// ...): the CPU's features capped by ONEDNN_MAX_CPU_ISA when that is set.
std::string onednn_cpu_isa();

// True when oneDNN dispatches below AVX-512 here (sse41 / avx / avx2 / avx2_vnni, ONEDNN_MAX_CPU_ISA
// included): its per-multiply-add costs and kernel choices then differ from the AVX-512 ones.
bool onednn_below_avx512();

// True when oneDNN dispatches exactly AVX2 here (an AVX2-only CPU, or ONEDNN_MAX_CPU_ISA=AVX2): not
// avx2_vnni, whose u8 x s8 products are exact and fast. Where our AVX2 int8 kernels (direct, Winograd, u8
// depthwise) beat oneDNN's. Computed once.
bool onednn_is_avx2();

// True when the CPU has AVX2 and FMA (every AVX2 CPU so far has both), the baseline of our own kernels
// (each has a scalar path otherwise). Safe to call from static initializers (it runs __builtin_cpu_init
// first, which libgcc may not have run yet).
bool cpu_has_avx2();

// True when a oneDNN implementation name ("ref:any", "ref_int8:any", ...) is one of its reference kernels,
// plain C++ ~100x slower than its jit ones: callers then try another layout or leave a conv unsplit.
inline bool onednn_reference_kernel(std::string_view impl) { return impl.substr(0, 3) == "ref"; }

}  // namespace qd::runtime
