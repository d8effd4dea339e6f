#include "libltp/codec/extensions.h"

#include "libltp/codec/byte_io.h"

namespace ltp::codec {

Extension Extension::read_validated(const std::uint8_t*& pos) {
  Extension extension;
  extension.tag = *pos++;
  const auto length = static_cast<std::size_t>(read_validated_sdnv(pos));
  extension.value = {pos, length};
  pos += length;
  return extension;
}

}  // namespace ltp::codec
