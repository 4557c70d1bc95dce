// Whether oneDNN's int8 convolutions and inner products read s8 (signed) sources exactly here.
#include "runtime/onednn/s8_source_exact.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace qd::runtime::onednn {

namespace {

using dnnl::memory;

bool vnni_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

// A conv whose s8-source weights oneDNN would scale by 0.5 (int16 saturation workaround) is inexact.
bool conv_weights_unadjusted(const dnnl::engine& eng, memory::dim groups) {
  const memory::dim c = 32;
  const memory::dims wdims = groups == 1 ? memory::dims{c, c, 3, 3} : memory::dims{c, 1, 1, 3, 3};
  auto pd = dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
          memory::desc({1, c, 8, 8}, memory::data_type::s8, memory::format_tag::any),
          memory::desc(wdims, memory::data_type::s8, memory::format_tag::any),
          memory::desc({1, c, 8, 8}, memory::data_type::f32, memory::format_tag::any), {1, 1}, {1, 1},
          {1, 1}),
      eng);
  const auto& extra = pd.weights_desc().data.extra;
  return !(extra.flags & dnnl_memory_extra_flag_scale_adjust) || extra.scale_adjust == 1.f;
}

}  // namespace

bool s8_sources_exact(const dnnl::engine& eng) {
  // Without VNNI, oneDNN's u8 x s8 products go through vpmaddubsw (int16 pair sums that saturate; the
  // direct convs halve the weights instead): only u8 sources in [0, 127] are exact there. With VNNI
  // (vpdpbusd accumulates in int32) the s8 source shifted by +128 plus the weight compensation is exact.
  static const bool exact = [&] {
    try {
      return vnni_isa() && conv_weights_unadjusted(eng, 1) && conv_weights_unadjusted(eng, 32);
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return exact;
}

}  // namespace qd::runtime::onednn
