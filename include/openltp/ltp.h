/*
 * ltp.h: the C client API of OpenLTP, with ION's names and conventions, for
 * applications written against ION's ltp.h; see ltp(3). In libopenltp.so:
 *   cc app.c $(pkg-config --cflags --libs openltp)
 *
 * Differences from ION, because OpenLTP has no zero-copy objects (ZCOs):
 *  - ltp_send() takes the data as a pointer and a length, copied into the
 *    node's heap before it returns.
 *  - ltp_get_notice() returns in *data a handle to bytes held in place in
 *    the heap: read them with ltp_data_length()/ltp_read_data(), then give
 *    them back with ltp_release_data().
 *  - Session numbers and engine ids are 64-bit; client ids are any value
 *    from 1 up (ION: 1..7).
 *  - ltp_attach_node() names the node directory; ltp_attach() uses
 *    $LTP_NODE_DIR, else the current directory.
 *  - ltp_last_error() says why the calling thread's last call failed.
 * One attachment per process, as in ION; at most 64 client ids open at once.
 */
#ifndef OPENLTP_LTP_H_
#define OPENLTP_LTP_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A heap object: here, the data a notice carries. */
typedef uint64_t Object;

typedef struct {
  uint64_t sourceEngineId;
  uint64_t sessionNbr; /* assigned by the source */
} LtpSessionId;

#define LTP_ALL_RED ((unsigned int)-1)

typedef enum {
  LtpNoNotice = 0,
  LtpExportSessionStart,
  LtpXmitComplete,
  LtpExportSessionCanceled,
  LtpExportSessionComplete,
  LtpRecvGreenSegment,
  LtpRecvRedPart,
  LtpImportSessionCanceled
} LtpNoticeType;

/* 0 on success, -1 if the node is missing or not started. */
int ltp_attach(void);
int ltp_attach_node(const char* nodeDir);
/* Closes every client id still open and detaches. */
void ltp_detach(void);
/* 1 while the node's ltpclock runs, else 0. */
int ltp_engine_is_started(void);

/* 0 on success; -1 if the id is held by another live process (or on error). */
int ltp_open(unsigned int clientId);
void ltp_close(unsigned int clientId);

/* Appends the data to the span's block; the first redLength bytes are red
 * (LTP_ALL_RED: all). clientId need not be open here (as in ION): its
 * notices go to the process that holds it. Blocks while the span's export
 * window is full.
 * 1 on success, 0 if the span was stopped, -1 on error. */
int ltp_send(uint64_t destinationEngineId, unsigned int clientId, const void* data, size_t length,
             unsigned int redLength, LtpSessionId* sessionId);

/* Blocks for the client's next notice. 0 on success (*type LtpNoNotice
 * after ltp_interrupt()), -1 on error or when the node stops. Any output
 * pointer may be NULL; *data is 0 when the notice carries no data. */
int ltp_get_notice(unsigned int clientId, LtpNoticeType* type, LtpSessionId* sessionId,
                   unsigned char* reasonCode, unsigned char* endOfBlock, unsigned int* dataOffset,
                   unsigned int* dataLength, Object* data);

/* Not in ION: cancels a session of this (open) client id that is still
 * open, a block it sent or one it is receiving (USR_CNCLD; the peer is
 * told, and the client gets the cancellation notices). 0 on success, -1
 * if it is not open or not this client's (ltp_last_error says which). */
int ltp_cancel(unsigned int clientId, const LtpSessionId* sessionId);

/* Wakes ltp_get_notice(); safe in a signal handler. */
void ltp_interrupt(unsigned int clientId);

/* The bytes of a notice's data object. */
size_t ltp_data_length(Object data);
/* Copies up to `length` bytes from `offset`; returns how many. */
size_t ltp_read_data(Object data, size_t offset, void* buffer, size_t length);
void ltp_release_data(Object data);

/* Why the calling thread's last failed call failed ("" if none). */
const char* ltp_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* OPENLTP_LTP_H_ */
