#include "tools/ltpnetem/category.h"

#include "libltp/codec/decode.h"

namespace ltpnetem {
namespace {

using ltp::codec::SegmentType;

constexpr TypeClass bit(Category c) {
  return static_cast<TypeClass>(1u << static_cast<unsigned>(c));
}

struct NamedClass {
  std::string_view name;
  TypeClass members;
};

constexpr TypeClass kCheckpoints =
    bit(Category::checkpoint) | bit(Category::checkpoint_eorp) | bit(Category::checkpoint_eorp_eob);
constexpr TypeClass kRed = bit(Category::red_data) | kCheckpoints;
constexpr TypeClass kGreen = bit(Category::green_data) | bit(Category::green_data_eob);

constexpr std::array kClasses{
    NamedClass{"data", kRed | kGreen},
    NamedClass{"red", kRed},
    NamedClass{"green", kGreen},
    NamedClass{"cp", kCheckpoints},
    NamedClass{"eorp", bit(Category::checkpoint_eorp) | bit(Category::checkpoint_eorp_eob)},
    NamedClass{"eob", bit(Category::checkpoint_eorp_eob) | bit(Category::green_data_eob)},
    NamedClass{"rs", bit(Category::report)},
    NamedClass{"ra", bit(Category::report_ack)},
    NamedClass{"cs", bit(Category::cancel_from_sender)},
    NamedClass{"cas", bit(Category::cancel_ack_to_sender)},
    NamedClass{"cr", bit(Category::cancel_from_receiver)},
    NamedClass{"car", bit(Category::cancel_ack_to_receiver)},
    NamedClass{"cancel", bit(Category::cancel_from_sender) | bit(Category::cancel_from_receiver)},
    NamedClass{"malformed", bit(Category::malformed)},
    NamedClass{"any", static_cast<TypeClass>((1u << kCategoryCount) - 1)},
};

Category from_type(SegmentType t) {
  switch (t) {
    case SegmentType::red_data:
      return Category::red_data;
    case SegmentType::red_checkpoint:
      return Category::checkpoint;
    case SegmentType::red_checkpoint_eorp:
      return Category::checkpoint_eorp;
    case SegmentType::red_checkpoint_eorp_eob:
      return Category::checkpoint_eorp_eob;
    case SegmentType::green_data:
      return Category::green_data;
    case SegmentType::green_data_eob:
      return Category::green_data_eob;
    case SegmentType::report:
      return Category::report;
    case SegmentType::report_ack:
      return Category::report_ack;
    case SegmentType::cancel_from_sender:
      return Category::cancel_from_sender;
    case SegmentType::cancel_ack_to_sender:
      return Category::cancel_ack_to_sender;
    case SegmentType::cancel_from_receiver:
      return Category::cancel_from_receiver;
    case SegmentType::cancel_ack_to_receiver:
      return Category::cancel_ack_to_receiver;
  }
  return Category::malformed;
}

}  // namespace

Category classify(std::span<const std::uint8_t> datagram) {
  auto decoded = ltp::codec::decode_prefix(datagram);
  if (decoded) return from_type(decoded.value().segment.header.type);
  return decoded.error() == ltp::codec::Error::keep_alive ? Category::keep_alive
                                                          : Category::malformed;
}

std::string_view label(Category c) {
  constexpr std::array<std::string_view, kCategoryCount> kLabels{
      "DS", "CP", "CP+EORP", "CP+EORP+EOB", "GS",  "GS+EOB",     "RS",
      "RA", "CS", "CAS",     "CR",          "CAR", "keep-alive", "malformed"};
  return kLabels[static_cast<std::size_t>(c)];
}

std::optional<TypeClass> type_class(std::string_view name) {
  for (const auto& c : kClasses) {
    if (c.name == name) return c.members;
  }
  return std::nullopt;
}

std::string_view type_class_names() {
  return "data, red, green, cp, eorp, eob, rs, ra, cs, cas, cr, car, cancel, malformed, any";
}

}  // namespace ltpnetem
