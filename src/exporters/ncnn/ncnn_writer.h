// Writer of qdeploy IR models as ncnn .param/.bin (fp32, or int8 exactly as ncnn2int8 writes it).
#pragma once
#include <string>

#include "ir/model.h"

namespace qd::exporters {
// Writes `m` with standard ncnn layer types and param ids. Split layers are inserted for blobs read
// more than once ("splitncnn_<k>", outputs "<blob>_splitncnn_<i>"); Flatten + Gemm(constant B) becomes
// InnerProduct. When m.quant is non-empty its Conv/Gemm nodes are written int8 as ncnn2int8 does
// (Convolution 8=2, ConvolutionDepthWise 8=1, InnerProduct 8=2, weights round(w*m) clamped to +-127,
// +100 and a top scale when the output feeds only int8 convolutions) and the other layers' weights as
// fp16. Both files are written atomically. Throws unsupported naming the node for constructs ncnn
// cannot express.
void save_ncnn(const ir::Model& m, const std::string& param_path, const std::string& bin_path);
}  // namespace qd::exporters
