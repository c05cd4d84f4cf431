/*
 * librdkafka's built-in mock cluster as a stand-alone process for the Kafka broker-layer tests.
 * Prints the bootstrap servers (its brokers listen on 127.0.0.1) on the first line of stdout, then reads commands,
 * one a line, from stdin until EOF:
 *   topic <name> <partitions>              create a topic (replication factor 1)
 *   error <api-key> <error-code> <count>   the next <count> requests of that API fail with that error
 * Each command is answered with "ok" (or "error ...") so the test knows it took effect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) { fprintf(stderr, "rd_kafka_mock_cluster_new failed\n"); return 1; }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    char name[512];
    int a, b, c;
    if (sscanf(line, "topic %511s %d", name, &a) == 2) {
      rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name, a, 1);
      if (err) printf("error %s\n", rd_kafka_err2str(err)); else printf("ok\n");
    } else if (sscanf(line, "error %d %d %d", &a, &b, &c) == 3) {
      rd_kafka_resp_err_t *errors = calloc((size_t)c, sizeof *errors);
      for (int i = 0; i < c; i++) errors[i] = (rd_kafka_resp_err_t)b;
      rd_kafka_mock_push_request_errors_array(cluster, (int16_t)a, (size_t)c, errors);
      free(errors);
      printf("ok\n");
    } else {
      printf("error unknown command\n");
    }
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
