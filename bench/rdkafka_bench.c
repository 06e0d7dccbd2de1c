// librdkafka's producer under producer_bench's workload: the same options, the same records and the
// same RESULT line (client=librdkafka, and the version of the library it ran on, which may be another
// than the header's: scripts/bench runs it on Debian's and on the newest), so that scripts/bench can
// put the clients side by side.
// Throughput, CPU time per record (getrusage covers librdkafka's own threads), send-to-acknowledgement
// latency percentiles and peak RSS.
//
//   rdkafka_bench --bootstrap HOST:PORT --topic T [--records N=1000000] [--value-bytes B=100]
//                 [--keyed 0|1 =1] [--acks 0|1|all =all] [--linger-ms L=5]
//                 [--codec none|gzip|snappy|lz4|zstd =none] [--rate R=0] [--batch-size BYTES=16384]
//                 [--idempotence 0|1 =1 with acks=all, else 0] [--warmup N=0]
//   rdkafka_bench --version    the version of the librdkafka it runs on
//
// Records go through rd_kafka_producev with a copy of the payload; a full queue is librdkafka's
// backpressure, answered by serving delivery reports for a millisecond and trying the same record
// again. The producer is set up like kcoro's: the same 32 MiB buffer, bounded by bytes rather than a
// message count, at most 5 requests in flight per broker, and the Java client's murmur2 partitioner.
// --rate R > 0 sends record i at start + i/R and measures its latency from that scheduled time, so a
// sender that falls behind shows up in the percentiles instead of hiding (coordinated omission).
#define _POSIX_C_SOURCE 200809L

// The argument type checks in rdkafka.h's RD_KAFKA_V_* macros are GNU statement expressions, which
// -Wpedantic rejects in ISO C; this file passes the documented types anyway.
#define LIBRDKAFKA_TYPECHECKS 0
#include <librdkafka/rdkafka.h>

#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct options {
    const char* bootstrap;
    const char* topic;
    long records;
    long value_bytes;
    int keyed;
    const char* acks;
    long linger_ms;
    const char* codec;
    double rate;
    long batch_size;
    int idempotence;  // -1: on exactly when acks=all
    long warmup;      // the first N records are sent but left out of the latency percentiles
};

static _Noreturn void usage(const char* argv0, const char* why) {
    fprintf(stderr,
            "%s: %s\nusage: %s --bootstrap HOST:PORT --topic T [--records N] [--value-bytes B] [--keyed 0|1]\n"
            "       [--acks 0|1|all] [--linger-ms L] [--codec none|gzip|snappy|lz4|zstd] [--rate R]\n"
            "       [--batch-size BYTES] [--idempotence 0|1]\n",
            argv0, why, argv0);
    exit(2);
}

static long to_long(const char* argv0, const char* s) {
    char* end = NULL;
    const long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) usage(argv0, "expected a non-negative integer");
    return v;
}

static struct options parse(int argc, char** argv) {
    struct options o = {
        .bootstrap = "",
        .topic = "",
        .records = 1000000,
        .value_bytes = 100,
        .keyed = 1,
        .acks = "all",
        .linger_ms = 5,
        .codec = "none",
        .rate = 0,
        .batch_size = 16384,
        .idempotence = -1,
        .warmup = 0,
    };
    for (int i = 1; i < argc; i += 2) {
        const char* name = argv[i];
        if (strcmp(name, "--version") == 0) {  // the library's, which scripts/bench may swap for another
            printf("%s\n", rd_kafka_version_str());
            exit(0);
        }
        if (i + 1 >= argc) usage(argv[0], "every option but --version takes a value");
        const char* v = argv[i + 1];
        if (strcmp(name, "--bootstrap") == 0) o.bootstrap = v;
        else if (strcmp(name, "--topic") == 0) o.topic = v;
        else if (strcmp(name, "--records") == 0) o.records = to_long(argv[0], v);
        else if (strcmp(name, "--value-bytes") == 0) o.value_bytes = to_long(argv[0], v);
        else if (strcmp(name, "--keyed") == 0) o.keyed = to_long(argv[0], v) != 0;
        else if (strcmp(name, "--acks") == 0) o.acks = v;
        else if (strcmp(name, "--linger-ms") == 0) o.linger_ms = to_long(argv[0], v);
        else if (strcmp(name, "--codec") == 0) o.codec = v;
        else if (strcmp(name, "--rate") == 0) o.rate = (double)to_long(argv[0], v);
        else if (strcmp(name, "--batch-size") == 0) o.batch_size = to_long(argv[0], v);
        else if (strcmp(name, "--idempotence") == 0) o.idempotence = to_long(argv[0], v) != 0 ? 1 : 0;
        else if (strcmp(name, "--warmup") == 0) o.warmup = to_long(argv[0], v);
        else usage(argv[0], "unknown option");
    }
    if (o.bootstrap[0] == '\0' || o.topic[0] == '\0') usage(argv[0], "--bootstrap and --topic are required");
    if (o.records <= 0) usage(argv[0], "--records must be positive");
    if (o.warmup >= o.records) usage(argv[0], "--warmup must be below --records");
    if (strcmp(o.acks, "0") != 0 && strcmp(o.acks, "1") != 0 && strcmp(o.acks, "all") != 0)
        usage(argv[0], "--acks takes 0, 1 or all");
    return o;
}

static int valid_codec(const char* s) {
    static const char* const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (strcmp(s, names[i]) == 0) return 1;
    return 0;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// What the delivery reports write into. latency_ns[i] holds record i's start time until its
// delivery report turns it into the latency (-1 when it failed): one preallocated array, and the
// record's index travels as the message opaque, so nothing is allocated per record.
struct tally {
    int64_t* latency_ns;
    long delivered;
    long failed;
    int64_t last_ack_ns;
};

// The 10,000 distinct keys "key-<i % 10000>", formatted once so that the loop measures the client,
// not snprintf.
enum { key_count = 10000, key_stride = 16 };

struct key_table {
    char text[key_count * key_stride];
    uint8_t length[key_count];
};

static void key_table_init(struct key_table* k) {
    for (long i = 0; i < key_count; ++i) {
        const int n = snprintf(&k->text[i * key_stride], key_stride, "key-%ld", i);
        k->length[i] = (uint8_t)n;
    }
}

// Served by rd_kafka_poll and rd_kafka_flush on the sending thread, so the tally needs no lock.
static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    (void)rk;
    struct tally* t = opaque;
    const int64_t now = now_ns();
    int64_t* slot = &t->latency_ns[(intptr_t)m->_private];
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++t->delivered;
        *slot = now - *slot;
    } else {
        ++t->failed;
        *slot = -1;
    }
    t->last_ack_ns = now;
}

// Sets one configuration property; a value librdkafka rejects is bad input.
static void set(rd_kafka_conf_t* conf, const char* name, const char* value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s=%s: %s\n", name, value, errstr);
        exit(2);
    }
}

// Serves delivery reports until due_ns, sleeping at most a millisecond at a time between them.
static void wait_until(rd_kafka_t* rk, int64_t due_ns) {
    int64_t now = now_ns();
    while (now < due_ns) {
        rd_kafka_poll(rk, 0);
        now = now_ns();
        if (now >= due_ns) break;
        const int64_t until = due_ns - now > 1000000 ? now + 1000000 : due_ns;
        const struct timespec ts = {.tv_sec = (time_t)(until / 1000000000), .tv_nsec = (long)(until % 1000000000)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        now = now_ns();
    }
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double peak_rss_mb(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

static int compare_int64(const void* a, const void* b) {
    const int64_t x = *(const int64_t*)a;
    const int64_t y = *(const int64_t*)b;
    return (x > y) - (x < y);
}

// The q-quantile (0..1) of the n sorted values v, in microseconds.
static double quantile_us(const int64_t* v, size_t n, double q) {
    if (n == 0) return 0;
    size_t k = (size_t)(q * (double)n);
    if (k >= n) k = n - 1;
    return (double)v[k] / 1e3;
}

int main(int argc, char** argv) {
    const struct options o = parse(argc, argv);
    if (!valid_codec(o.codec)) usage(argv[0], "--codec takes none, gzip, snappy, lz4 or zstd");
    const int idempotence = o.idempotence < 0 ? strcmp(o.acks, "all") == 0 : o.idempotence == 1;
    char linger[32], batch[32];
    snprintf(linger, sizeof linger, "%ld", o.linger_ms);
    snprintf(batch, sizeof batch, "%ld", o.batch_size);

    struct tally t = {0};
    t.latency_ns = malloc((size_t)o.records * sizeof *t.latency_ns);
    if (t.latency_ns == NULL) {
        fprintf(stderr, "out of memory for %ld latencies\n", o.records);
        return 2;
    }
    for (long i = 0; i < o.records; ++i) t.latency_ns[i] = -1;
    char* value = malloc((size_t)o.value_bytes + 1);
    if (value == NULL) {
        fprintf(stderr, "out of memory for a %ld-byte value\n", o.value_bytes);
        return 2;
    }
    memset(value, 'x', (size_t)o.value_bytes);
    static struct key_table keys;
    key_table_init(&keys);

    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", o.bootstrap);
    set(conf, "acks", o.acks);
    set(conf, "enable.idempotence", idempotence ? "true" : "false");
    set(conf, "linger.ms", linger);
    set(conf, "batch.size", batch);
    set(conf, "compression.codec", o.codec);
    set(conf, "partitioner", "murmur2_random");  // keyed records land where the Java client puts them
    // kcoro's buffer_memory: 32 MiB. The message count limit is raised to the largest value
    // librdkafka accepts (INT32_MAX; 0 would also lift it) so that bytes, not records, bound the buffer.
    set(conf, "queue.buffering.max.kbytes", "32768");
    set(conf, "queue.buffering.max.messages", "2147483647");
    set(conf, "max.in.flight", "5");  // kcoro's per-broker default
    set(conf, "log_level", "3");      // errors only: a normal run prints nothing but the RESULT line
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &t);

    char errstr[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "topic %s: %s\n", o.topic, rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_destroy(rk);
        return 2;
    }

    const double period_ns = o.rate > 0 ? 1e9 / o.rate : 0;
    const int64_t t0 = now_ns();
    for (long i = 0; i < o.records; ++i) {
        int64_t sent;
        if (o.rate > 0) {
            sent = t0 + (int64_t)((double)i * period_ns);
            wait_until(rk, sent);
        } else {
            sent = now_ns();
        }
        t.latency_ns[i] = sent;
        const long k = i % key_count;
        rd_kafka_resp_err_t err;
        for (;;) {
            if (o.keyed)
                err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_VALUE(value, (size_t)o.value_bytes),
                                        RD_KAFKA_V_KEY(&keys.text[k * key_stride], (size_t)keys.length[k]),
                                        RD_KAFKA_V_OPAQUE((intptr_t)i), RD_KAFKA_V_END);
            else
                err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_VALUE(value, (size_t)o.value_bytes),
                                        RD_KAFKA_V_OPAQUE((intptr_t)i), RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
            // The buffer is full: serve delivery reports to make room, then try the same record again.
            rd_kafka_poll(rk, 1);
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_poll(rk, 0);
        } else {
            // Not enqueued: no delivery report will come, so count the failure here.
            ++t.failed;
            t.latency_ns[i] = -1;
        }
    }
    const rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, 60000);
    if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) fprintf(stderr, "flush: %s\n", rd_kafka_err2str(flushed));
    // Wall time ends at the last delivery report: tearing the client down is not producing.
    const int64_t t1 = t.last_ack_ns > t0 ? t.last_ack_ns : now_ns();
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    const double wall = (double)(t1 - t0) / 1e9;
    const double cpu = cpu_seconds();

    // The delivered records' latencies, sorted. After a flush that timed out, records still waiting
    // for a report hold their send time, so the copy stops at the delivered count. The first
    // --warmup records (connecting, the first metadata) are left out.
    int64_t* lat = malloc(((size_t)t.delivered + 1) * sizeof *lat);
    size_t m = 0;
    if (lat != NULL) {
        for (long i = o.warmup; i < o.records && m < (size_t)t.delivered; ++i)
            if (t.latency_ns[i] >= 0) lat[m++] = t.latency_ns[i];
        qsort(lat, m, sizeof *lat, compare_int64);
    }
    const double n = (double)o.records;
    const double p50 = quantile_us(lat, m, 0.50);
    const double p99 = quantile_us(lat, m, 0.99);
    const double p999 = quantile_us(lat, m, 0.999);
    printf("RESULT client=librdkafka records=%ld delivered=%ld failed=%ld value_bytes=%ld keyed=%d acks=%s "
           "linger_ms=%ld codec=%s rate=%.0f seconds=%.3f rps=%.0f mbps=%.2f cpu_s_per_m=%.3f p50_us=%.1f "
           "p99_us=%.1f p999_us=%.1f peak_rss_mb=%.1f warmup=%ld version=%s\n",
           o.records, t.delivered, t.failed, o.value_bytes, o.keyed ? 1 : 0, o.acks, o.linger_ms, o.codec, o.rate,
           wall, n / wall, n * (double)o.value_bytes / wall / 1e6, cpu / n * 1e6, p50, p99, p999, peak_rss_mb(), o.warmup,
           rd_kafka_version_str());
    free(lat);
    free(value);
    free(t.latency_ns);
    return flushed == RD_KAFKA_RESP_ERR_NO_ERROR && t.delivered == o.records ? 0 : 1;
}
