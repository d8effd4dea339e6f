// ByteReader and ByteWriter: bounds-checked cursors over a datagram.
//
// Internal to the codec (decode.cc, encode.cc, extensions.cc, claims.cc):
// every read and write checks the bytes left and reports a codec Error
// instead of running off the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/sdnv.h"

namespace ltp::codec {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  Result<std::uint64_t, Error> sdnv() {
    BOOST_OUTCOME_TRY(read, decode_sdnv(bytes_.subspan(pos_)));
    pos_ += read.size;
    return read.value;
  }

  Result<std::uint8_t, Error> octet(Error if_missing = Error::truncated) {
    if (pos_ == bytes_.size()) return failure(if_missing);
    return bytes_[pos_++];
  }

  // The next `count` octets, or `if_short` when fewer remain.
  Result<std::span<const std::uint8_t>, Error> take(std::uint64_t count, Error if_short) {
    if (count > remaining()) return failure(if_short);
    auto taken = bytes_.subspan(pos_, static_cast<std::size_t>(count));
    pos_ += taken.size();
    return taken;
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }
  const std::uint8_t* here() const { return bytes_.data() + pos_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::span<std::uint8_t> out) : out_(out) {}

  Result<void, Error> sdnv(std::uint64_t value) {
    BOOST_OUTCOME_TRY(size, encode_sdnv(value, out_.subspan(pos_)));
    pos_ += size;
    return success();
  }

  Result<void, Error> octet(std::uint8_t value) {
    if (pos_ == out_.size()) return failure(Error::buffer_too_small);
    out_[pos_++] = value;
    return success();
  }

  Result<void, Error> bytes(std::span<const std::uint8_t> data) {
    if (data.size() > out_.size() - pos_) return failure(Error::buffer_too_small);
    if (!data.empty()) std::memcpy(out_.data() + pos_, data.data(), data.size());
    pos_ += data.size();
    return success();
  }

  std::size_t written() const { return pos_; }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

// Reads an SDNV already known to be well formed and in bounds (the
// decoder validated it); used by views iterating over validated bytes.
inline std::uint64_t read_validated_sdnv(const std::uint8_t*& pos) {
  std::uint64_t value = 0;
  std::uint8_t octet;
  do {
    octet = *pos++;
    value = (value << 7) | (octet & 0x7Fu);
  } while (octet & 0x80u);
  return value;
}

}  // namespace ltp::codec
