// Segment type predicates, names, and the error catalogue.
#include "libltp/codec/segment.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "libltp/codec/error.h"

namespace ltp::codec {
namespace {

TEST(SegmentType, DefinedCodes) {
  std::set<int> defined;
  for (int code = 0; code < 256; ++code) {
    if (is_defined_type(static_cast<std::uint8_t>(code))) defined.insert(code);
  }
  EXPECT_EQ(defined, (std::set<int>{0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 14, 15}));
}

TEST(SegmentType, Predicates) {
  using T = SegmentType;
  for (T t : {T::red_data, T::red_checkpoint, T::red_checkpoint_eorp, T::red_checkpoint_eorp_eob}) {
    EXPECT_TRUE(is_data(t));
    EXPECT_TRUE(is_red_data(t));
    EXPECT_FALSE(is_green_data(t));
  }
  EXPECT_FALSE(is_checkpoint(T::red_data));
  EXPECT_TRUE(is_checkpoint(T::red_checkpoint));
  EXPECT_TRUE(is_checkpoint(T::red_checkpoint_eorp_eob));
  EXPECT_FALSE(is_checkpoint(T::green_data_eob));
  EXPECT_TRUE(is_end_of_red_part(T::red_checkpoint_eorp));
  EXPECT_TRUE(is_end_of_red_part(T::red_checkpoint_eorp_eob));
  EXPECT_FALSE(is_end_of_red_part(T::red_checkpoint));
  EXPECT_TRUE(is_end_of_block(T::red_checkpoint_eorp_eob));
  EXPECT_TRUE(is_end_of_block(T::green_data_eob));
  EXPECT_FALSE(is_end_of_block(T::green_data));
  EXPECT_TRUE(is_green_data(T::green_data));
  EXPECT_FALSE(is_red_data(T::green_data));
  for (T t : {T::report, T::report_ack, T::cancel_from_sender, T::cancel_ack_to_receiver}) {
    EXPECT_FALSE(is_data(t));
  }
}

TEST(SegmentType, Names) {
  EXPECT_EQ(type_name(SegmentType::red_checkpoint_eorp_eob), "red data, CP, EORP, EOB");
  EXPECT_EQ(type_name(SegmentType::cancel_ack_to_receiver), "CAR");
  EXPECT_EQ(reason_name(CancelReason::unreachable), "UNREACH");
  EXPECT_EQ(reason_name(CancelReason::retransmission_cycles), "RXMTCYCEXC");
  EXPECT_EQ(reason_name(static_cast<CancelReason>(6)), "reserved");
}

TEST(Error, EveryErrorHasItsOwnNameAndDescription) {
  std::set<std::string> names;
  std::set<std::string> descriptions;
  const int count = static_cast<int>(Error::auth_mac_mismatch) + 1;
  for (int i = 0; i < count; ++i) {
    const auto e = static_cast<Error>(i);
    names.insert(std::string(name(e)));
    descriptions.insert(std::string(describe(e)));
    EXPECT_NE(name(e), "unknown") << i;
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(descriptions.size(), static_cast<std::size_t>(count));
}

}  // namespace
}  // namespace ltp::codec
