#include "eval/turn_schedule.h"

#include <gtest/gtest.h>

#include <string>

namespace qd {
namespace {

// "a" / "b": timed runs of model 0 / 1; upper case: the untimed run that starts a turn.
std::string spell(const std::vector<ScheduledRun>& runs) {
  std::string s;
  for (const ScheduledRun& r : runs) s += static_cast<char>((r.timed ? 'a' : 'A') + r.model);
  return s;
}

TEST(TurnSchedule, RunByRunAlternatesAndRotates) {
  EXPECT_EQ(spell(turn_schedule(2, 3, 1)), "abbaab");
  EXPECT_EQ(spell(turn_schedule(3, 2, 1)), "abcbca");
}

TEST(TurnSchedule, TurnsStartUntimedAndCountEveryTimedRun) {
  EXPECT_EQ(spell(turn_schedule(2, 5, 2)), "AaaBbbBbbAaaAaBb");
  EXPECT_EQ(spell(turn_schedule(2, 4, 10)), "AaaaaBbbbb");  // a block longer than repeat: one turn each
  EXPECT_EQ(spell(turn_schedule(1, 3, 0)), "aaa");          // block < 1 taken as 1
  EXPECT_TRUE(turn_schedule(2, 0, 4).empty());
}

}  // namespace
}  // namespace qd
