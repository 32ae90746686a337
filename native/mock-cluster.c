/*
 * The rehearsal's Kafka cluster: librdkafka's mock cluster (rdkafka_mock.h, Debian's
 * librdkafka-dev) held open by this process, driven one command per line on stdin:
 *
 *   topic NAME PARTITIONS    create a topic with exactly that many partitions
 *   down BROKER_ID           disconnect a broker and refuse new connections
 *   up BROKER_ID             let it accept connections again
 *   produce TOPIC PARTITION KEY PAYLOAD
 *                            queue a message (no answer; PAYLOAD is the rest of the line)
 *   flush                    wait until every queued message is delivered (or 60 s pass)
 *   offsets GROUP TOPIC      per partition: the group's committed offset and the watermarks,
 *                            read with OffsetFetch and ListOffsets (nothing joins the group,
 *                            nothing is committed)
 *   quit
 *
 * Each answer ends with a line "ok" or "error MESSAGE". The first line printed is
 * "bootstrap HOST:PORT,...". Built with gcc at test or rehearse time (see mock-kafka.ts).
 *
 * stderr carries the mock coordinator's consumer-group events (state changes, elections, members
 * dropped or leaving), one "group: ..." line each, so that when the helper dies (the mock asserts
 * on states a real broker handles) the end of stderr says what the groups were doing.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rd_kafka_mock_cluster_t *mcluster;
static const char *bootstraps;
static rd_kafka_t *producer;
static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) failed++;
}

static void produce(char *line) {
  char errstr[512];
  if (producer == NULL) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "message.timeout.ms", "120000", errstr, sizeof errstr);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (producer == NULL) {
      failed++;
      return;
    }
  }
  /* produce TOPIC PARTITION KEY PAYLOAD */
  char *save = NULL;
  strtok_r(line, " ", &save);
  char *topic = strtok_r(NULL, " ", &save);
  char *partition = strtok_r(NULL, " ", &save);
  char *key = strtok_r(NULL, " ", &save);
  char *payload = save;
  if (topic == NULL || partition == NULL || key == NULL || payload == NULL) {
    failed++;
    return;
  }
  size_t len = strlen(payload);
  if (len > 0 && payload[len - 1] == '\n') payload[--len] = '\0';
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(atoi(partition)),
      RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (err) failed++;
      break;
    }
    rd_kafka_poll(producer, 100);
  }
  rd_kafka_poll(producer, 0);
}

static void flush(void) {
  if (producer != NULL) rd_kafka_flush(producer, 60000);
  if (producer != NULL && rd_kafka_outq_len(producer) > 0) printf("error %d messages not delivered within 60 s\n", rd_kafka_outq_len(producer));
  else if (failed > 0) printf("error %ld messages failed\n", failed);
  else printf("ok\n");
  failed = 0;
  fflush(stdout);
}

static void answer(rd_kafka_resp_err_t err) {
  if (err) printf("error %s\n", rd_kafka_err2str(err));
  else printf("ok\n");
  fflush(stdout);
}

static void offsets(const char *group, const char *topic) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (consumer == NULL) {
    printf("error %s\n", errstr);
    fflush(stdout);
    return;
  }
  rd_kafka_topic_t *t = rd_kafka_topic_new(consumer, topic, NULL);
  const struct rd_kafka_metadata *meta = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer, 0, t, &meta, 10000);
  if (!err && (meta->topic_cnt != 1 || meta->topics[0].err)) err = meta->topic_cnt == 1 ? meta->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (!err) {
    int n = meta->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++) rd_kafka_topic_partition_list_add(parts, topic, p);
    /* OffsetFetch only: the consumer never subscribes, so it neither joins nor commits. */
    err = rd_kafka_committed(consumer, parts, 10000);
    for (int i = 0; !err && i < parts->cnt; i++) {
      int64_t low = 0, high = 0;
      err = rd_kafka_query_watermark_offsets(consumer, topic, parts->elems[i].partition, &low, &high, 10000);
      if (!err) printf("%d %lld %lld %lld\n", parts->elems[i].partition, (long long)parts->elems[i].offset, (long long)low, (long long)high);
    }
    rd_kafka_topic_partition_list_destroy(parts);
  }
  if (meta) rd_kafka_metadata_destroy(meta);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(consumer);
  answer(err);
}

/* The mock's debug lines that describe consumer groups; per-request and per-offset lines are dropped. */
static int group_event(const char *line) {
  static const char *const kept[] = {"changing state", "is rebalancing", "session timed out", "is leaving group"};
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    if (strstr(line, kept[i]) != NULL) return 1;
  return 0;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *line) {
  (void)rk;
  (void)level;
  (void)fac;
  if (!group_event(line)) return;
  const char *text = strstr(line, "]: ");
  fprintf(stderr, "group: %s\n", text != NULL ? text + 3 : line);
}

int main(int argc, char **argv) {
  /* A client that goes away mid-response (a rehearsal kills engines as pods die) must not end the
     brokers with it: a write to a closed socket fails with EPIPE instead of raising SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  int brokers = argc > 1 ? atoi(argv[1]) : 3;
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The mock cluster logs through this handle: its debug lines, filtered by on_log. */
  rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "7", errstr, sizeof errstr);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  mcluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (mcluster == NULL) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
  printf("bootstrap %s\n", bootstraps);
  fflush(stdout);

  static char line[1 << 20];
  char a[1024], b[1024];
  while (fgets(line, sizeof line, stdin) != NULL) {
    int n = 0;
    if (sscanf(line, "topic %1023s %d", a, &n) == 2) answer(rd_kafka_mock_topic_create(mcluster, a, n, brokers < 3 ? brokers : 3));
    else if (sscanf(line, "down %d", &n) == 1) answer(rd_kafka_mock_broker_set_down(mcluster, n));
    else if (sscanf(line, "up %d", &n) == 1) answer(rd_kafka_mock_broker_set_up(mcluster, n));
    else if (sscanf(line, "offsets %1023s %1023s", a, b) == 2) offsets(a, b);
    else if (strncmp(line, "produce ", 8) == 0) produce(line);
    else if (strncmp(line, "flush", 5) == 0) flush();
    else if (strncmp(line, "quit", 4) == 0) break;
    else {
      printf("error unknown command\n");
      fflush(stdout);
    }
  }
  if (producer != NULL) rd_kafka_destroy(producer);
  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
