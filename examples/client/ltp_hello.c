/* ltp_hello: a complete, minimal LTP client in C, written against ION's
 * client API (openltp/ltp.h) as an ION application is. It sends one text
 * as an all-red block and waits for its outcome, or waits for one block
 * and prints it, or both (a node sending to itself).
 *
 *   usage: ltp_hello NODE_DIR CLIENT_ID [send ENGINE TEXT] [receive]
 *
 * Build against an installed OpenLTP:
 *   cc ltp_hello.c $(pkg-config --cflags --libs openltp) -o ltp_hello
 * Exit status: 0 when everything asked for happened, 1 when the block was
 * cancelled or the node failed, 2 on a usage error. */
#include <openltp/ltp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: ltp_hello NODE_DIR CLIENT_ID [send ENGINE TEXT] [receive]\n");
  return 2;
}

/* Prints the red part a notice carries and gives its bytes back. */
static void print_block(Object data, unsigned int length) {
  char* text = malloc((size_t)length + 1);
  size_t got = text ? ltp_read_data(data, 0, text, length) : 0;
  if (text) {
    text[got] = '\0';
    printf("received %u bytes: %s\n", length, text);
    free(text);
  }
  ltp_release_data(data);
}

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const char* node = argv[1];
  unsigned int client = (unsigned int)strtoul(argv[2], NULL, 10);
  const char* text = NULL;
  uint64_t engine = 0;
  int want_receive = 0;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "send") == 0 && i + 2 < argc) {
      engine = strtoull(argv[i + 1], NULL, 10);
      text = argv[i + 2];
      i += 2;
    } else if (strcmp(argv[i], "receive") == 0) {
      want_receive = 1;
    } else {
      return usage();
    }
  }
  if (client == 0 || (text == NULL && !want_receive)) return usage();

  if (ltp_attach_node(node) < 0 || ltp_open(client) < 0) {
    fprintf(stderr, "ltp_hello: %s\n", ltp_last_error());
    return 1;
  }
  int status = 0;
  int sent = text == NULL; /* nothing to wait for if nothing is sent */
  if (text != NULL) {
    LtpSessionId session;
    if (ltp_send(engine, client, text, strlen(text), LTP_ALL_RED, &session) != 1) {
      fprintf(stderr, "ltp_hello: send: %s\n", ltp_last_error());
      status = 1;
      sent = 1;
    }
  }
  while (status == 0 && !(sent && !want_receive)) {
    LtpNoticeType type;
    unsigned int length = 0;
    Object data = 0;
    if (ltp_get_notice(client, &type, NULL, NULL, NULL, NULL, &length, &data) < 0) {
      fprintf(stderr, "ltp_hello: %s\n", ltp_last_error());
      status = 1;
    } else if (type == LtpRecvRedPart && want_receive) {
      print_block(data, length);
      want_receive = 0;
    } else if (type == LtpExportSessionComplete && text != NULL) {
      printf("sent %zu bytes to engine %llu: delivered\n", strlen(text),
             (unsigned long long)engine);
      sent = 1;
    } else if (type == LtpExportSessionCanceled || type == LtpImportSessionCanceled) {
      fprintf(stderr, "ltp_hello: a session was cancelled\n");
      status = 1;
    } else if (data != 0) {
      ltp_release_data(data);
    }
  }
  ltp_close(client);
  ltp_detach();
  return status;
}
