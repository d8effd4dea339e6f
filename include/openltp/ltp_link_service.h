/* ltp_link_service.h: the link-service API in C, with ION's names (seed
 * 002, "LTP Underlying Communications API"), for third-party link
 * services: an LSO takes a span's segments and sends them over its medium,
 * an LSI hands what it receives to the engine.
 *
 * An ION link service ports with few changes: ltpInit(0), findSpan(),
 * then loop on ltpDequeueOutboundSegment() until it returns -1 (or
 * sm_SemEnded(vspan->segSemaphore)), or call ltpHandleInboundSegment() per
 * datagram received. OpenLTP additions: the LSO/LSI claims (ltpClaimSpan,
 * ltpClaimSeat: node start waits for them), zero-copy batch forms, the
 * contact plan's link state, and ltpLinkDetach(). See docs/link-service.md
 * and examples/link_service/.
 *
 * Thread use: every call may be made from any thread; each thread gets
 * its own engine view and its own segment buffer. In libopenltp.so, as
 * ltp.h is: cc lso.c $(pkg-config --cflags --libs openltp). */
#ifndef OPENLTP_LTP_LINK_SERVICE_H
#define OPENLTP_LTP_LINK_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ION's integer types, shared with ltp.h (the client API). */
#ifndef OPENLTP_UVAST_DEFINED
#define OPENLTP_UVAST_DEFINED
typedef uint64_t uvast;
#endif
typedef uintptr_t PsmAddress;
typedef int sm_SemId;

/* A span's volatile state as a link service sees it (a snapshot taken by
 * findSpan(); call it again to refresh lsoPid). */
typedef struct LtpVspan {
  uvast engineId;        /* the remote engine */
  int lsoPid;            /* the span's live LSO, -1 if none (ION's ERROR) */
  sm_SemId segSemaphore; /* posted when segments are queued; ended when the span stops */
} LtpVspan;

/* One dequeued segment as a datagram: iov[0..iovCount) concatenated
 * (header, payload, trailer), ready for sendmsg/sendmmsg/writev. */
typedef struct LtpOutboundSegment {
  struct iovec iov[3];
  int iovCount;
  size_t length; /* octets over all pieces */
} LtpOutboundSegment;

/* Attaches the process to the node in $LTP_NODE_DIR (else the current
 * directory). estMaxExportSessions > 0 would create an LTP database in
 * ION; here the node must already exist and be started (ltpadmin):
 * pass 0. Calling it again is harmless. 0 on success, -1 on error. */
int ltpInit(int estMaxExportSessions);

/* The span to engineId: *vspanElt is non-zero and *vspan set if the node
 * has that span, else *vspanElt is 0. Needs no lock. */
void findSpan(uvast engineId, LtpVspan** vspan, PsmAddress* vspanElt);

/* Makes this process the span's LSO (recorded in the span; node stop
 * signals it) and tells node start it is serving: call once ready to
 * send. -1 if another live process is the span's LSO, or on error. */
int ltpClaimSpan(LtpVspan* vspan);

/* Registers this process as one of the node's LSIs and tells node start
 * it is serving: call once the receiving socket is ready. 0 or -1. */
int ltpClaimSeat(void);

/* Blocks until the span has a segment, and returns it in *buf (a buffer
 * of the calling thread, valid until its next call). Returns the length;
 * 0 if there was nothing to send after all (e.g. its session closed):
 * call again; -1 if the span was stopped (end your loop) or on error. */
int ltpDequeueOutboundSegment(LtpVspan* vspan, char** buf);

/* Batch form without copies: blocks as above, then fills up to
 * maxSegments segments whose pieces point into the node's heap. Send them
 * at once: they stay valid until this thread's next dequeue and for about
 * a second at most. Returns the count, 0 or -1 as above. */
int ltpDequeueOutboundSegments(LtpVspan* vspan, LtpOutboundSegment* segments, int maxSegments);

/* For an LSO that sent the segments of its last ltpDequeueOutboundSegments
 * call noticeably later than it dequeued them (rate control): the
 * engine's timers for them restart now. 0 or -1. */
int ltpOutboundSegmentsSent(LtpVspan* vspan);

/* What the contact plan allows now: returns 1 if the LSO may transmit (0:
 * hold the segments, ask again later) and sets *rateBytesPerSec (if not
 * NULL) to the span's transmit rate, 0 meaning no limit. -1 on error. */
int ltpSpanLinkState(LtpVspan* vspan, uvast* rateBytesPerSec);

/* Opts this LSO in (on = 1) or out (0) of the sending rate the span learns
 * from its peer's reports, as udplso --learn-rate does: while in, the
 * engine holds the span's blocks after its first megabyte until the first
 * estimate, and ltpSpanSendingRate gives the rate to pace at. Cleared when
 * the LSO detaches. 0 or -1. */
int ltpPaceByLearnedRate(LtpVspan* vspan, int on);

/* The rate to send at now, in *rateBytesPerSec: the learned rate where it
 * is below ceilingBytesPerSec (the lowest of the LSO's own limit and the
 * contact plan's rate, 0 for none), else the ceiling; 0 means unpaced.
 * 0 or -1. */
int ltpSpanSendingRate(LtpVspan* vspan, uvast ceilingBytesPerSec, uvast* rateBytesPerSec);

/* Hands one received datagram to the engine. 0 if handled or harmlessly
 * ignored (malformed, unknown session, ...); -1 on a system error. */
int ltpHandleInboundSegment(char* buf, int length);

/* Batch form: count datagrams, one iovec each, in one engine transaction. */
int ltpHandleInboundSegments(const struct iovec* datagrams, int count);

/* 1 if the semaphore has ended (the span or node was stopped), else 0. */
int sm_SemEnded(sm_SemId sem);
/* Gives other tasks a chance to run. */
void sm_TaskYield(void);
/* The calling process's id (compare with LtpVspan.lsoPid). */
int sm_TaskIdSelf(void);

/* The message of this thread's last failed call ("" if none). */
const char* ltpLinkError(void);

/* Drops the claims and detaches from the node; LtpVspan pointers become
 * invalid. ltpInit() may attach again afterwards. */
void ltpLinkDetach(void);

#ifdef __cplusplus
}
#endif

#endif /* OPENLTP_LTP_LINK_SERVICE_H */
