/* minimal_lso: a complete, minimal link service output for OpenLTP over
 * UDP, written against the C link-service API (ltp_link_service.h) the
 * way an ION link service is. It sends the segments of one span, one
 * datagram each, until the span is stopped.
 *
 *   usage: minimal_lso HOST:PORT ENGINE
 *
 * Put it in the span's LSO command (`a span ... 'minimal_lso
 * 10.0.0.2:1113'`): node start appends ENGINE and sets LTP_NODE_DIR.
 * The production udplso adds batching, pacing and the contact plan's
 * hold (ltpSpanLinkState). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openltp/ltp_link_service.h>

/* A UDP socket connected to HOST:PORT, or -1. */
static int connect_to(const char* host_port) {
  const char* colon = strrchr(host_port, ':');
  char host[256];
  if (colon == NULL || (size_t)(colon - host_port) >= sizeof host) return -1;
  memcpy(host, host_port, (size_t)(colon - host_port));
  host[colon - host_port] = '\0';
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_DGRAM;
  struct addrinfo* found = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &found) != 0) return -1;
  int fd = socket(found->ai_family, SOCK_DGRAM, 0);
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST:PORT ENGINE\n", argv[0]);
    return 2;
  }
  const uvast engine = strtoull(argv[2], NULL, 10);
  const int fd = connect_to(argv[1]);
  if (fd < 0) {
    fprintf(stderr, "%s: cannot reach %s: give HOST:PORT\n", argv[0], argv[1]);
    return 1;
  }
  if (ltpInit(0) < 0) {
    fprintf(stderr, "%s: %s\n", argv[0], ltpLinkError());
    return 1;
  }
  LtpVspan* vspan = NULL;
  PsmAddress vspanElt = 0;
  findSpan(engine, &vspan, &vspanElt);
  if (vspanElt == 0 || ltpClaimSpan(vspan) < 0) {
    fprintf(stderr, "%s: %s\n", argv[0], ltpLinkError());
    return 1;
  }
  for (;;) {
    char* segment = NULL;
    const int length = ltpDequeueOutboundSegment(vspan, &segment);
    if (length < 0) break; /* the span was stopped (or an error: see the log) */
    if (length == 0) continue;
    /* A lost datagram is LTP's business: it retransmits. */
    (void)send(fd, segment, (size_t)length, 0);
    sm_TaskYield();
  }
  ltpLinkDetach();
  close(fd);
  return 0;
}
