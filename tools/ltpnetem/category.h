// Category: what kind of datagram ltpnetem relayed, for its drop rules
// and its per-type counters: one of the twelve LTP segment types, an
// RFC 7122 keep-alive, or something that does not decode (malformed).
//
// TypeClass is a set of categories named the way a user thinks of them
// ("cp" = any checkpoint, "data", "rs"...), used by --drop rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ltpnetem {

enum class Category : std::uint8_t {
  red_data,
  checkpoint,
  checkpoint_eorp,
  checkpoint_eorp_eob,
  green_data,
  green_data_eob,
  report,
  report_ack,
  cancel_from_sender,
  cancel_ack_to_sender,
  cancel_from_receiver,
  cancel_ack_to_receiver,
  keep_alive,
  malformed,
};
constexpr std::size_t kCategoryCount = 14;

// Classifies with the codec's decode_prefix (ION pads some datagrams).
Category classify(std::span<const std::uint8_t> datagram);

// Short label: "DS", "CP", "CP+EORP", ..., "RS", "CAR", "keep-alive", "malformed".
std::string_view label(Category c);

using TypeClass = std::uint16_t;  // bit i set: Category i belongs
constexpr bool contains(TypeClass set, Category c) {
  return (set >> static_cast<unsigned>(c)) & 1u;
}

// "data", "red", "green", "cp", "eorp", "eob", "rs", "ra", "cs", "cas",
// "cr", "car", "cancel", "malformed", "any"; nothing for other names.
std::optional<TypeClass> type_class(std::string_view name);
// The accepted names, for help and error messages.
std::string_view type_class_names();

}  // namespace ltpnetem
