// kcoro_mock_cluster: hosts librdkafka's in-process mock cluster (rdkafka_mock.h) in a process of
// its own, so that tests can drive a second, independent Kafka protocol peer over loopback and
// inject faults into it from outside.
//
//   kcoro_mock_cluster [--brokers N] [--topic NAME:PARTITIONS:RF]... [--debug CONTEXTS]
//
// The first line on stdout is the bootstrap address ("127.0.0.1:port,..."). Then one command per
// line is read from stdin until EOF or "quit"; each is answered by exactly one line on stdout:
// "ok", "ok <value>" for queries, or "error <text>". Run with "help" for the command list.
//
// <api> is a Kafka ApiKey number or name (Produce, Metadata, ApiVersions, InitProducerId, ...).
// <err> is a Kafka error code number (negative: librdkafka's own, -195 drops the connection) or a
// name as librdkafka spells it, with or without "ERR_" (NOT_LEADER_OR_FOLLOWER, _TRANSPORT, ...).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr const char* usage_text =
    "usage: kcoro_mock_cluster [--brokers N] [--topic NAME:PARTITIONS:RF]... [--debug CONTEXTS]\n";

constexpr const char* help_text =
    "commands (one per line, each answered by one line: ok [value] | error <text>):\n"
    "  push-errors <api> <count> <err> [<err>...]   cluster-wide: the next <count> requests fail\n"
    "                                               (one <err> is repeated <count> times)\n"
    "  clear-errors <api>                           drop the cluster-wide errors for <api>\n"
    "  broker-push-errors <broker> <api> <err>[:<rtt_ms>]...  per broker, with optional delay\n"
    "  broker-error-count <broker> <api>            ok <errors left on the broker's stack>\n"
    "  broker-down <broker|-1> / broker-up <broker|-1>\n"
    "  set-rtt <broker|-1> <ms>                     delay every response of a broker\n"
    "  set-rack <broker|-1> <rack>\n"
    "  create-topic <name> <partitions> <rf>\n"
    "  set-leader <topic> <partition> <broker|-1>\n"
    "  set-follower <topic> <partition> <broker>\n"
    "  topic-error <topic> <err>                    error returned for the topic in Metadata\n"
    "  set-coordinator <transaction|group> <key> <broker>\n"
    "  set-apiversion <api> <min> <max>             -1 -1 disables the API\n"
    "  bootstrap                                    ok <bootstrap servers>\n"
    "  ping                                         ok\n"
    "  help                                         this text on stderr, then ok\n"
    "  quit                                         ok, then the cluster is destroyed\n";

struct api_name {
    const char* name;
    int key;
};

// Kafka ApiKeys a producer (and its tests) may want to name.
constexpr api_name api_names[] = {
    {"Produce", 0},
    {"Fetch", 1},
    {"ListOffsets", 2},
    {"Metadata", 3},
    {"OffsetCommit", 8},
    {"OffsetFetch", 9},
    {"FindCoordinator", 10},
    {"JoinGroup", 11},
    {"Heartbeat", 12},
    {"LeaveGroup", 13},
    {"SyncGroup", 14},
    {"DescribeGroups", 15},
    {"ListGroups", 16},
    {"SaslHandshake", 17},
    {"ApiVersions", 18},
    {"CreateTopics", 19},
    {"DeleteTopics", 20},
    {"DeleteRecords", 21},
    {"InitProducerId", 22},
    {"OffsetForLeaderEpoch", 23},
    {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25},
    {"EndTxn", 26},
    {"TxnOffsetCommit", 28},
    {"DescribeConfigs", 32},
    {"AlterConfigs", 33},
    {"SaslAuthenticate", 36},
    {"CreatePartitions", 37},
    {"DescribeCluster", 60},
};

bool parse_int(const std::string& s, long lo, long hi, long& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool iequal(const std::string& a, const char* b) {
    const std::size_t n = std::strlen(b);
    if (a.size() != n) return false;
    for (std::size_t i = 0; i < n; ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool parse_api(const std::string& s, std::int16_t& out) {
    long v = 0;
    if (parse_int(s, 0, SHRT_MAX, v)) {
        out = static_cast<std::int16_t>(v);
        return true;
    }
    for (const auto& a : api_names) {
        if (iequal(s, a.name)) {
            out = static_cast<std::int16_t>(a.key);
            return true;
        }
    }
    return false;
}

bool parse_err(std::string s, rd_kafka_resp_err_t& out) {
    long v = 0;
    if (parse_int(s, INT_MIN, INT_MAX, v)) {
        out = static_cast<rd_kafka_resp_err_t>(v);
        return true;
    }
    if (s.size() > 4 && iequal(s.substr(0, 4), "ERR_")) s = s.substr(4);
    // Kafka renamed NOT_LEADER_FOR_PARTITION (6); librdkafka 2.0 still lists it by the old name.
    if (iequal(s, "NOT_LEADER_OR_FOLLOWER")) {
        out = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
        return true;
    }
    const rd_kafka_err_desc* descs = nullptr;
    std::size_t n = 0;
    rd_kafka_get_err_descs(&descs, &n);
    for (std::size_t i = 0; i < n; ++i) {
        if (descs[i].name != nullptr && iequal(s, descs[i].name)) {
            out = descs[i].code;
            return true;
        }
    }
    return false;
}

bool parse_broker(const std::string& s, std::int32_t& out) {
    long v = 0;
    if (!parse_int(s, -1, INT32_MAX, v)) return false;
    out = static_cast<std::int32_t>(v);
    return true;
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

// A topic given as NAME:PARTITIONS:RF (the name may contain ':' itself only if it is not last).
bool parse_topic_spec(const std::string& spec, std::string& name, int& partitions, int& rf) {
    const std::size_t b = spec.rfind(':');
    if (b == std::string::npos || b == 0) return false;
    const std::size_t a = spec.rfind(':', b - 1);
    if (a == std::string::npos || a == 0) return false;
    long p = 0;
    long r = 0;
    if (!parse_int(spec.substr(a + 1, b - a - 1), 1, 100000, p)) return false;
    if (!parse_int(spec.substr(b + 1), 1, 1000, r)) return false;
    name = spec.substr(0, a);
    partitions = static_cast<int>(p);
    rf = static_cast<int>(r);
    return true;
}

std::string result(rd_kafka_resp_err_t err) {
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return "ok";
    return std::string("error ") + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err);
}

// Runs one command; returns the answer line. Sets quit on "quit".
std::string run(rd_kafka_mock_cluster_t* mc, const std::vector<std::string>& w, bool& quit) {
    const std::string& cmd = w[0];
    const std::size_t argc = w.size() - 1;
    auto wrong_args = [&](const char* form) { return "error usage: " + cmd + " " + form; };

    if (cmd == "ping") return "ok";
    if (cmd == "quit") {
        quit = true;
        return "ok";
    }
    if (cmd == "help") {
        std::fputs(help_text, stderr);
        return "ok";
    }
    if (cmd == "bootstrap") return std::string("ok ") + rd_kafka_mock_cluster_bootstraps(mc);

    if (cmd == "push-errors") {
        std::int16_t api = 0;
        long count = 0;
        if (argc < 3 || !parse_api(w[1], api) || !parse_int(w[2], 1, 100000, count))
            return wrong_args("<api> <count> <err> [<err>...]");
        std::vector<rd_kafka_resp_err_t> errs;
        for (std::size_t i = 3; i < w.size(); ++i) {
            rd_kafka_resp_err_t e{};
            if (!parse_err(w[i], e)) return "error unknown error code: " + w[i];
            errs.push_back(e);
        }
        if (errs.size() == 1) errs.assign(static_cast<std::size_t>(count), errs[0]);
        if (errs.size() != static_cast<std::size_t>(count))
            return "error push-errors: <count> must match the number of error codes (or give one)";
        rd_kafka_mock_push_request_errors_array(mc, api, errs.size(), errs.data());
        return "ok";
    }
    if (cmd == "clear-errors") {
        std::int16_t api = 0;
        if (argc != 1 || !parse_api(w[1], api)) return wrong_args("<api>");
        rd_kafka_mock_clear_request_errors(mc, api);
        return "ok";
    }
    if (cmd == "broker-push-errors") {
        std::int32_t broker = 0;
        std::int16_t api = 0;
        if (argc < 3 || !parse_broker(w[1], broker) || broker < 0 || !parse_api(w[2], api))
            return wrong_args("<broker> <api> <err>[:<rtt_ms>]...");
        struct entry {
            rd_kafka_resp_err_t err;
            int rtt;
        };
        std::vector<entry> entries;
        for (std::size_t i = 3; i < w.size(); ++i) {
            const std::size_t colon = w[i].find(':');
            entry e{RD_KAFKA_RESP_ERR_NO_ERROR, 0};
            long rtt = 0;
            if (!parse_err(w[i].substr(0, colon), e.err)) return "error unknown error code: " + w[i];
            if (colon != std::string::npos) {
                if (!parse_int(w[i].substr(colon + 1), 0, INT_MAX, rtt)) return "error bad rtt: " + w[i];
                e.rtt = static_cast<int>(rtt);
            }
            entries.push_back(e);
        }
        // Validated first, so that a bad entry pushes nothing; each call appends in order.
        for (const entry& e : entries) {
            const rd_kafka_resp_err_t r =
                rd_kafka_mock_broker_push_request_error_rtts(mc, broker, api, 1, e.err, e.rtt);
            if (r != RD_KAFKA_RESP_ERR_NO_ERROR) return result(r);
        }
        return "ok";
    }
    if (cmd == "broker-error-count") {
        std::int32_t broker = 0;
        std::int16_t api = 0;
        if (argc != 2 || !parse_broker(w[1], broker) || !parse_api(w[2], api))
            return wrong_args("<broker> <api>");
        std::size_t n = 0;
        const rd_kafka_resp_err_t r = rd_kafka_mock_broker_error_stack_cnt(mc, broker, api, &n);
        if (r != RD_KAFKA_RESP_ERR_NO_ERROR) return result(r);
        return "ok " + std::to_string(n);
    }
    if (cmd == "broker-down" || cmd == "broker-up") {
        std::int32_t broker = 0;
        if (argc != 1 || !parse_broker(w[1], broker)) return wrong_args("<broker|-1>");
        return result(cmd == "broker-down" ? rd_kafka_mock_broker_set_down(mc, broker)
                                           : rd_kafka_mock_broker_set_up(mc, broker));
    }
    if (cmd == "set-rtt") {
        std::int32_t broker = 0;
        long ms = 0;
        if (argc != 2 || !parse_broker(w[1], broker) || !parse_int(w[2], 0, INT_MAX, ms))
            return wrong_args("<broker|-1> <ms>");
        return result(rd_kafka_mock_broker_set_rtt(mc, broker, static_cast<int>(ms)));
    }
    if (cmd == "set-rack") {
        std::int32_t broker = 0;
        if (argc != 2 || !parse_broker(w[1], broker)) return wrong_args("<broker|-1> <rack>");
        return result(rd_kafka_mock_broker_set_rack(mc, broker, w[2].c_str()));
    }
    if (cmd == "create-topic") {
        long p = 0;
        long rf = 0;
        if (argc != 3 || !parse_int(w[2], 1, 100000, p) || !parse_int(w[3], 1, 1000, rf))
            return wrong_args("<name> <partitions> <rf>");
        return result(rd_kafka_mock_topic_create(mc, w[1].c_str(), static_cast<int>(p),
                                                 static_cast<int>(rf)));
    }
    if (cmd == "set-leader" || cmd == "set-follower") {
        long partition = 0;
        std::int32_t broker = 0;
        if (argc != 3 || !parse_int(w[2], 0, INT32_MAX, partition) || !parse_broker(w[3], broker))
            return wrong_args("<topic> <partition> <broker>");
        const auto p = static_cast<std::int32_t>(partition);
        return result(cmd == "set-leader"
                          ? rd_kafka_mock_partition_set_leader(mc, w[1].c_str(), p, broker)
                          : rd_kafka_mock_partition_set_follower(mc, w[1].c_str(), p, broker));
    }
    if (cmd == "topic-error") {
        rd_kafka_resp_err_t e{};
        if (argc != 2 || !parse_err(w[2], e)) return wrong_args("<topic> <err>");
        rd_kafka_mock_topic_set_error(mc, w[1].c_str(), e);
        return "ok";
    }
    if (cmd == "set-coordinator") {
        std::int32_t broker = 0;
        if (argc != 3 || (w[1] != "transaction" && w[1] != "group") || !parse_broker(w[3], broker))
            return wrong_args("<transaction|group> <key> <broker>");
        return result(rd_kafka_mock_coordinator_set(mc, w[1].c_str(), w[2].c_str(), broker));
    }
    if (cmd == "set-apiversion") {
        std::int16_t api = 0;
        long lo = 0;
        long hi = 0;
        if (argc != 3 || !parse_api(w[1], api) || !parse_int(w[2], -1, SHRT_MAX, lo) ||
            !parse_int(w[3], -1, SHRT_MAX, hi))
            return wrong_args("<api> <min> <max>");
        return result(rd_kafka_mock_set_apiversion(mc, api, static_cast<std::int16_t>(lo),
                                                   static_cast<std::int16_t>(hi)));
    }
    return "error unknown command: " + cmd + " (try help)";
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // a vanished reader shows up as a failed write
    long brokers = 3;
    std::string debug;
    struct topic {
        std::string name;
        int partitions;
        int rf;
    };
    std::vector<topic> topics;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--brokers" && has_value) {
            if (!parse_int(argv[++i], 1, 1000, brokers)) {
                std::fprintf(stderr, "kcoro_mock_cluster: bad --brokers %s\n", argv[i]);
                return 2;
            }
        } else if (a == "--topic" && has_value) {
            topic t{};
            if (!parse_topic_spec(argv[++i], t.name, t.partitions, t.rf)) {
                std::fprintf(stderr, "kcoro_mock_cluster: bad --topic %s (NAME:PARTITIONS:RF)\n",
                             argv[i]);
                return 2;
            }
            topics.push_back(t);
        } else if (a == "--debug" && has_value) {
            debug = argv[++i];
        } else if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            std::fputs(help_text, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "kcoro_mock_cluster: bad argument %s\n%s", a.c_str(), usage_text);
            return 2;
        }
    }

    // The mock cluster lives inside a client handle: a producer with no brokers of its own.
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", debug.empty() ? "3" : "7", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        (!debug.empty() &&
         rd_kafka_conf_set(conf, "debug", debug.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)) {
        std::fprintf(stderr, "kcoro_mock_cluster: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
        std::fprintf(stderr, "kcoro_mock_cluster: rd_kafka_new: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, static_cast<int>(brokers));
    if (mc == nullptr) {
        std::fprintf(stderr, "kcoro_mock_cluster: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    int status = 0;
    for (const topic& t : topics) {
        const rd_kafka_resp_err_t r = rd_kafka_mock_topic_create(mc, t.name.c_str(), t.partitions, t.rf);
        if (r != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::fprintf(stderr, "kcoro_mock_cluster: topic %s: %s\n", t.name.c_str(),
                         rd_kafka_err2str(r));
            status = 1;
        }
    }

    if (status == 0) {
        std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        if (std::fflush(stdout) != 0) status = 1;
    }

    bool quit = false;
    std::string line;
    while (status == 0 && !quit) {
        line.clear();
        int c = 0;
        while ((c = std::getchar()) != EOF && c != '\n') line.push_back(static_cast<char>(c));
        if (c == EOF && line.empty()) break;
        const std::vector<std::string> words = split(line);
        if (words.empty() || words[0][0] == '#') {
            if (c == EOF) break;
            continue;  // blank lines and comments get no answer
        }
        const std::string answer = run(mc, words, quit);
        if (std::printf("%s\n", answer.c_str()) < 0 || std::fflush(stdout) != 0) status = 1;
        if (c == EOF) break;
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return status;
}
