#!/usr/bin/python3
"""Decodes the LTP segments of a pcap with scapy's independent LTP layer.

Used by interop_test (OurEncoding.ScapyDecodesTheSameFields) to cross-check
our encoder. Prints one JSON object per UDP datagram, named like
`ltpdump --json` output so the test can compare member by member:
frame, type, session_originator, session_number, client_service_id,
offset, length, checkpoint_serial, report_serial, upper_bound,
lower_bound, claims, reason, header_extensions, trailer_extensions
(tag, length, value in hex), payload (hex); or frame and error when scapy
cannot parse the datagram.

    scapy_ltp.py FILE.pcap
"""
import json
import sys

from scapy.all import UDP, rdpcap
from scapy.contrib.ltp import LTP


def extensions(items):
    return [{"tag": e.ExTag, "length": e.ExLength, "value": bytes(e.ExData).hex()}
            for e in items]


def describe(segment):
    kind = segment.flags
    out = {
        "version": segment.version,
        "type": kind,
        "session_originator": segment.SessionOriginator,
        "session_number": segment.SessionNumber,
        "header_extensions": extensions(segment.HeaderExtensions),
        "trailer_extensions": extensions(segment.TrailerExtensions),
    }
    if kind <= 7:
        out["client_service_id"] = segment.DATA_ClientServiceID
        out["offset"] = segment.DATA_PayloadOffset
        out["length"] = segment.DATA_PayloadLength
        out["payload"] = b"".join(bytes(p) for p in segment.LTP_Payload).hex()
        if 1 <= kind <= 3:
            out["checkpoint_serial"] = segment.CheckpointSerialNo
            out["report_serial"] = segment.ReportSerialNo
    elif kind == 8:
        out["report_serial"] = segment.ReportSerialNo
        out["checkpoint_serial"] = segment.ReportCheckpointSerialNo
        out["upper_bound"] = segment.ReportUpperBound
        out["lower_bound"] = segment.ReportLowerBound
        out["claims"] = [{"offset": c.ReceptionClaimOffset, "length": c.ReceptionClaimLength}
                         for c in segment.ReportReceptionClaims]
    elif kind == 9:
        out["report_serial"] = segment.RA_ReportSerialNo
    elif kind == 12:
        out["reason"] = segment.CancelFromSenderReason
    elif kind == 14:
        out["reason"] = segment.CancelFromReceiverReason
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: scapy_ltp.py FILE.pcap", file=sys.stderr)
        return 2
    for number, packet in enumerate(rdpcap(sys.argv[1]), start=1):
        if UDP not in packet:
            continue
        try:
            line = describe(LTP(bytes(packet[UDP].payload)))
        except Exception as error:  # scapy raises many kinds; all mean "cannot parse"
            line = {"error": str(error) or type(error).__name__}
        line["frame"] = number
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
