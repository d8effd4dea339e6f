#include "libltp/codec/encode.h"

#include "libltp/codec/byte_io.h"
#include "libltp/codec/sdnv.h"
#include "libltp/codec/validate.h"

namespace ltp::codec {

namespace {

std::size_t extensions_size(const ExtensionsView& extensions) {
  std::size_t size = 0;
  for (const Extension& e : extensions) size += 1 + sdnv_size(e.value.size()) + e.value.size();
  return size;
}

// Everything before the payload (for non-data segments: everything but
// the trailer extensions).
std::size_t head_size(const Segment& segment) {
  const Header& h = segment.header;
  std::size_t size = 1 + sdnv_size(h.session.originator) + sdnv_size(h.session.number) + 1 +
                     extensions_size(h.header_extensions);
  struct BodySize {
    std::size_t operator()(const DataSegment& d) const {
      std::size_t s = sdnv_size(d.client_service_id) + sdnv_size(d.offset) + sdnv_size(d.length());
      if (d.checkpoint) {
        s += sdnv_size(d.checkpoint->checkpoint_serial) + sdnv_size(d.checkpoint->report_serial);
      }
      return s;
    }
    std::size_t operator()(const ReportSegment& r) const {
      std::size_t s = sdnv_size(r.report_serial) + sdnv_size(r.checkpoint_serial) +
                      sdnv_size(r.upper_bound) + sdnv_size(r.lower_bound) +
                      sdnv_size(r.claims.size());
      for (const Claim& c : r.claims) s += sdnv_size(c.offset) + sdnv_size(c.length);
      return s;
    }
    std::size_t operator()(const ReportAck& a) const { return sdnv_size(a.report_serial); }
    std::size_t operator()(const Cancel&) const { return 1; }
    std::size_t operator()(const CancelAck&) const { return 0; }
  };
  return size + std::visit(BodySize{}, segment.body);
}

std::span<const std::uint8_t> payload_of(const Segment& segment) {
  const auto* data = std::get_if<DataSegment>(&segment.body);
  return data ? data->payload : std::span<const std::uint8_t>{};
}

Result<void, Error> write_extensions(ByteWriter& out, const ExtensionsView& extensions) {
  for (const Extension& e : extensions) {
    BOOST_OUTCOME_TRYV(out.octet(e.tag));
    BOOST_OUTCOME_TRYV(out.sdnv(e.value.size()));
    BOOST_OUTCOME_TRYV(out.bytes(e.value));
  }
  return success();
}

Result<void, Error> write_body_fields(ByteWriter& out, const Body& body) {
  if (const auto* d = std::get_if<DataSegment>(&body)) {
    BOOST_OUTCOME_TRYV(out.sdnv(d->client_service_id));
    BOOST_OUTCOME_TRYV(out.sdnv(d->offset));
    BOOST_OUTCOME_TRYV(out.sdnv(d->length()));
    if (d->checkpoint) {
      BOOST_OUTCOME_TRYV(out.sdnv(d->checkpoint->checkpoint_serial));
      BOOST_OUTCOME_TRYV(out.sdnv(d->checkpoint->report_serial));
    }
  } else if (const auto* r = std::get_if<ReportSegment>(&body)) {
    BOOST_OUTCOME_TRYV(out.sdnv(r->report_serial));
    BOOST_OUTCOME_TRYV(out.sdnv(r->checkpoint_serial));
    BOOST_OUTCOME_TRYV(out.sdnv(r->upper_bound));
    BOOST_OUTCOME_TRYV(out.sdnv(r->lower_bound));
    BOOST_OUTCOME_TRYV(out.sdnv(r->claims.size()));
    for (const Claim& c : r->claims) {
      BOOST_OUTCOME_TRYV(out.sdnv(c.offset));
      BOOST_OUTCOME_TRYV(out.sdnv(c.length));
    }
  } else if (const auto* a = std::get_if<ReportAck>(&body)) {
    BOOST_OUTCOME_TRYV(out.sdnv(a->report_serial));
  } else if (const auto* c = std::get_if<Cancel>(&body)) {
    BOOST_OUTCOME_TRYV(out.octet(static_cast<std::uint8_t>(c->reason)));
  }
  return success();
}

// Control byte, session, extension counts, header extensions, body fields.
Result<void, Error> write_head(ByteWriter& out, const Segment& segment) {
  const Header& h = segment.header;
  BOOST_OUTCOME_TRYV(out.octet(static_cast<std::uint8_t>(h.type)));  // version 0
  BOOST_OUTCOME_TRYV(out.sdnv(h.session.originator));
  BOOST_OUTCOME_TRYV(out.sdnv(h.session.number));
  BOOST_OUTCOME_TRYV(out.octet(
      static_cast<std::uint8_t>((h.header_extensions.size() << 4) | h.trailer_extensions.size())));
  BOOST_OUTCOME_TRYV(write_extensions(out, h.header_extensions));
  return write_body_fields(out, segment.body);
}

}  // namespace

std::size_t encoded_size_without_payload(const Segment& segment) {
  return head_size(segment) + extensions_size(segment.header.trailer_extensions);
}

std::size_t encoded_size(const Segment& segment) {
  return encoded_size_without_payload(segment) + payload_of(segment).size();
}

Result<std::size_t, Error> encode(const Segment& segment, std::span<std::uint8_t> out) {
  BOOST_OUTCOME_TRYV(validate(segment));
  ByteWriter writer(out);
  BOOST_OUTCOME_TRYV(write_head(writer, segment));
  BOOST_OUTCOME_TRYV(writer.bytes(payload_of(segment)));
  BOOST_OUTCOME_TRYV(write_extensions(writer, segment.header.trailer_extensions));
  return writer.written();
}

Result<GatherList, Error> encode_gather(const Segment& segment, std::span<std::uint8_t> scratch) {
  BOOST_OUTCOME_TRYV(validate(segment));
  ByteWriter writer(scratch);
  BOOST_OUTCOME_TRYV(write_head(writer, segment));
  const std::size_t head = writer.written();
  BOOST_OUTCOME_TRYV(write_extensions(writer, segment.header.trailer_extensions));
  const std::size_t tail = writer.written() - head;

  GatherList list;
  auto add = [&list](const std::uint8_t* base, std::size_t size) {
    if (size == 0) return;
    // iovec's base is non-const for readv's sake; sendmsg never writes.
    list.iov[list.count++] = iovec{const_cast<std::uint8_t*>(base), size};
    list.total_size += size;
  };
  add(scratch.data(), head);
  const auto payload = payload_of(segment);
  add(payload.data(), payload.size());
  add(scratch.data() + head, tail);
  return list;
}

}  // namespace ltp::codec
