/* minimal_lsi: a complete, minimal link service input for OpenLTP over
 * UDP, written against the C link-service API (ltp_link_service.h). It
 * receives datagrams in batches (recvmmsg) and hands each batch to the
 * engine in one call, until killed.
 *
 *   usage: minimal_lsi HOST:PORT
 *
 * Put it in a seat's command (`a seat 'minimal_lsi 0.0.0.0:1113'`); node
 * start sets LTP_NODE_DIR and node stop sends SIGTERM. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openltp/ltp_link_service.h>

enum { kBatch = 32, kMaxDatagram = 65535 };

static char buffers[kBatch][kMaxDatagram];

/* A UDP socket bound to HOST:PORT, or -1. */
static int bind_to(const char* host_port) {
  const char* colon = strrchr(host_port, ':');
  char host[256];
  if (colon == NULL || (size_t)(colon - host_port) >= sizeof host) return -1;
  memcpy(host, host_port, (size_t)(colon - host_port));
  host[colon - host_port] = '\0';
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  struct addrinfo* found = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &found) != 0) return -1;
  int fd = socket(found->ai_family, SOCK_DGRAM, 0);
  if (fd >= 0 && bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return 2;
  }
  const int fd = bind_to(argv[1]);
  if (fd < 0) {
    fprintf(stderr, "%s: cannot listen on %s\n", argv[0], argv[1]);
    return 1;
  }
  if (ltpInit(0) < 0 || ltpClaimSeat() < 0) {
    fprintf(stderr, "%s: %s\n", argv[0], ltpLinkError());
    return 1;
  }
  struct iovec pieces[kBatch];
  struct mmsghdr messages[kBatch];
  for (;;) {
    memset(messages, 0, sizeof messages);
    for (int i = 0; i < kBatch; ++i) {
      pieces[i].iov_base = buffers[i];
      pieces[i].iov_len = kMaxDatagram;
      messages[i].msg_hdr.msg_iov = &pieces[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    /* Blocks for the first datagram, then takes whatever else is queued. */
    const int count = recvmmsg(fd, messages, kBatch, MSG_WAITFORONE, NULL);
    if (count < 0) {
      if (errno == EINTR) continue;
      perror("recvmmsg");
      return 1;
    }
    for (int i = 0; i < count; ++i) pieces[i].iov_len = messages[i].msg_len;
    if (ltpHandleInboundSegments(pieces, count) < 0) {
      fprintf(stderr, "%s: %s\n", argv[0], ltpLinkError());
    }
  }
}
