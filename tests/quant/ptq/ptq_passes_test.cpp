#include "quant/ptq_passes.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace qd::quant {
namespace {

TEST(PtqPasses, ParsesCommaListsAndRejectsUnknownNames) {
  EXPECT_EQ(parse_ptq_passes("method_selection,bias_correction"),
            (std::vector<std::string>{"method_selection", "bias_correction"}));
  EXPECT_TRUE(parse_ptq_passes("").empty());
  try {
    parse_ptq_passes("bias_correction,adaround");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown quantization pass 'adaround'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("method_selection, bias_correction"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(ptq_pass_changes_weights("bias_correction"));
  EXPECT_FALSE(ptq_pass_changes_weights("method_selection"));
}

}  // namespace
}  // namespace qd::quant
