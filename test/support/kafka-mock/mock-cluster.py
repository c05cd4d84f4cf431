"""
librdkafka's built-in mock cluster as a stand-alone process for the Kafka broker-layer tests, through ctypes (no C
compiler needed). Loads the librdkafka named by the first argument (a path, or a soname such as librdkafka.so.1).
Prints the bootstrap servers (its brokers listen on 127.0.0.1) on the first line of stdout, then reads commands,
one a line, from stdin until EOF:
  topic <name> <partitions>              create a topic (replication factor 1)
  error <api-key> <error-code> <count>   the next <count> requests of that API fail with that error
Each command is answered with "ok" (or "error ...") so the test knows it took effect.
"""
import ctypes
import sys

RD_KAFKA_PRODUCER = 0


def load(library):
    lib = ctypes.CDLL(library)
    signatures = {
        'rd_kafka_conf_new': (ctypes.c_void_p, []),
        'rd_kafka_new': (ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]),
        'rd_kafka_mock_cluster_new': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int]),
        'rd_kafka_mock_cluster_bootstraps': (ctypes.c_char_p, [ctypes.c_void_p]),
        'rd_kafka_mock_topic_create': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]),
        'rd_kafka_mock_push_request_errors_array': (
            None,
            [ctypes.c_void_p, ctypes.c_int16, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)],
        ),
        'rd_kafka_err2str': (ctypes.c_char_p, [ctypes.c_int]),
        'rd_kafka_mock_cluster_destroy': (None, [ctypes.c_void_p]),
        'rd_kafka_destroy': (None, [ctypes.c_void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


def answer(text):
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


def main():
    lib = load(sys.argv[1])
    brokers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    errstr = ctypes.create_string_buffer(512)
    rk = lib.rd_kafka_new(RD_KAFKA_PRODUCER, lib.rd_kafka_conf_new(), errstr, len(errstr))
    if not rk:
        sys.stderr.write('rd_kafka_new: %s\n' % errstr.value.decode())
        return 1
    cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
    if not cluster:
        sys.stderr.write('rd_kafka_mock_cluster_new failed\n')
        return 1
    answer(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode())
    for line in sys.stdin:
        words = line.split()
        if len(words) == 3 and words[0] == 'topic':
            err = lib.rd_kafka_mock_topic_create(cluster, words[1].encode(), int(words[2]), 1)
            answer('error %s' % lib.rd_kafka_err2str(err).decode() if err else 'ok')
        elif len(words) == 4 and words[0] == 'error':
            count = int(words[3])
            errors = (ctypes.c_int * count)(*([int(words[2])] * count))
            lib.rd_kafka_mock_push_request_errors_array(cluster, int(words[1]), count, errors)
            answer('ok')
        else:
            answer('error unknown command')
    lib.rd_kafka_mock_cluster_destroy(cluster)
    lib.rd_kafka_destroy(rk)
    return 0


if __name__ == '__main__':
    sys.exit(main())
