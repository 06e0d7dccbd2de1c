// A Kafka broker that keeps nothing: it answers ApiVersions, Metadata and InitProducerId and
// acknowledges every Produce request as soon as it has read it, so that a producer benchmark run
// against it measures the client's own cost rather than a broker's. Enough of the protocol is spoken
// for librdkafka and kcoro to produce to it unmodified:
//
//   ApiVersions     0-4   (a higher version gets UNSUPPORTED_VERSION in the v0 layout, as Kafka answers)
//   Metadata        1-8   every topic asked for exists, with --partitions partitions led by this broker
//   InitProducerId  0-1   a new producer id per request, epoch 0
//   Produce         3-8   each partition's batches are checked for framing and given the next offsets;
//                         acks=0 gets no answer
//   Fetch 4-11 and FindCoordinator 0-2 are advertised (librdkafka enables record batch v2, LZ4 and
//   zstd by them) but not served.
//
// Any other request, or a frame that does not parse, closes that connection (as Kafka does); the
// broker goes on serving the others. On SIGINT or SIGTERM it prints what it received to stderr.
//
//   sink_broker [--host 127.0.0.1] [--port 0] [--partitions 6]
//
// It prints "listening HOST:PORT" on stdout once it accepts connections. One thread, poll(2).
// Requests are read and responses written with the broker side of kcoro's generated protocol
// (kcoro/protocol/broker/), which comes from Kafka's own message definitions.
#include <kcoro/kcoro.hpp>
#include <kcoro/protocol/broker/messages.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using kcoro::errc;

struct api_range {
    std::int16_t key, min, max;
    bool served;
};
// Fetch and FindCoordinator are advertised, never served: librdkafka decides from the advertised
// versions whether the broker takes v2 record batches (Produce 3+ and Fetch 4+), LZ4 (FindCoordinator)
// and zstd (Produce 7+ and Fetch 10+). A producer never sends them; a request for them is refused.
constexpr std::int16_t api_fetch = 1;
constexpr api_range supported[] = {{kcoro::produce_request::api_key, 3, 8, true},
                                   {api_fetch, 4, 11, false},
                                   {kcoro::metadata_request::api_key, 1, 8, true},
                                   {kcoro::find_coordinator_request::api_key, 0, 2, false},
                                   {kcoro::api_versions_request::api_key, 0, 4, true},
                                   {kcoro::init_producer_id_request::api_key, 0, 1, true}};

constexpr std::size_t max_frame = 128u * 1024 * 1024;

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

struct totals {
    std::uint64_t connections = 0;
    std::uint64_t requests = 0;
    std::uint64_t produce_requests = 0;
    std::uint64_t batches = 0;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::uint64_t refused = 0;  // connections closed for a request this broker does not take
};

// Responses are built over spans of memory the broker holds for the duration of one request.
template <class M>
using outgoing = kcoro::with_storage_t<M, kcoro::spans_storage>;

class sink {
public:
    sink(std::string host, int port, int partitions) : host_(std::move(host)), port_(port), partitions_(partitions) {
        for (std::int32_t p = 0; p < partitions_; ++p)
            partition_metadata_.push_back({.partition_index = p, .leader_id = 0, .leader_epoch = 0,
                                           .replica_nodes = this_broker_, .isr_nodes = this_broker_});
    }

    totals stats;

    // Handles one request frame (without its size prefix), appending any response, size prefix
    // included, to out. False: close the connection.
    bool handle(kcoro::bytes_view frame, kcoro::byte_buffer& out) {
        kcoro::wire_reader peek(frame);
        auto key = peek.i16();
        auto version = peek.i16();
        if (!key || !version) return false;
        ++stats.requests;
        const api_range* api = nullptr;
        for (const auto& a : supported)
            if (a.key == *key) api = &a;
        if (api == nullptr || !api->served) return refuse("api key", *key, *version);
        // ApiVersions answers any version, one it does not speak with UNSUPPORTED_VERSION (KIP-511).
        if (*key != kcoro::api_versions_request::api_key && (*version < api->min || *version > api->max))
            return refuse("version", *key, *version);
        switch (*key) {
        case kcoro::api_versions_request::api_key: return serve<kcoro::api_versions_request>(frame, *version, out);
        case kcoro::metadata_request::api_key: return serve<kcoro::metadata_request>(frame, *version, out);
        case kcoro::init_producer_id_request::api_key: return serve<kcoro::init_producer_id_request>(frame, *version, out);
        case kcoro::produce_request::api_key: return serve<kcoro::produce_request>(frame, *version, out);
        default: return false;
        }
    }

private:
    std::string host_;
    int port_;
    int partitions_;
    std::int64_t next_producer_id_ = 1000;
    std::map<std::string, std::vector<std::int64_t>, std::less<>> topics_;  // next offset per partition
    const std::int32_t this_broker_[1] = {0};
    std::vector<outgoing<kcoro::metadata_response>::metadata_response_partition> partition_metadata_;

    bool refuse(const char* what, std::int16_t key, std::int16_t version) {
        ++stats.refused;
        std::fprintf(stderr, "sink_broker: unsupported %s (api key %d, version %d): closing the connection\n", what, key,
                     version);
        return false;
    }

    // Reads the request header and body as Req's, answers through respond(request, version, writer)
    // which returns whether to answer at all (acks=0 is not answered), and frames the answer.
    template <class Req>
    bool serve(kcoro::bytes_view frame, std::int16_t version, kcoro::byte_buffer& out) {
        const bool known_version = version >= Req::min_version && version <= Req::max_version;
        kcoro::wire_reader r(frame);
        kcoro::received_request_header header;
        // A version past ours (ApiVersions only) is read as far as its header's fixed part.
        if (!kcoro::decode_header(r, Req::request_header_version(known_version ? version : 0), header)) return false;
        kcoro::with_storage_t<Req, kcoro::frame_storage> req;
        if (known_version && !kcoro::decode_request(r, version, req)) return false;
        const std::size_t start = out.size();
        kcoro::wire_writer w(out);
        w.i32(0);  // size, patched below
        const kcoro::response_header response_header{.correlation_id = header.correlation_id};
        kcoro::encode_header(w, Req::response_header_version(version), response_header);
        if (!respond(req, known_version ? version : std::int16_t{-1}, w)) {
            out.resize(start);
            return true;
        }
        w.patch_i32(start, static_cast<std::int32_t>(out.size() - start - 4));
        return true;
    }

    std::vector<std::int64_t>& topic(std::string_view name) {
        auto it = topics_.find(name);
        if (it == topics_.end())
            it = topics_.emplace(std::string(name), std::vector<std::int64_t>(static_cast<std::size_t>(partitions_), 0)).first;
        return it->second;
    }

    // version -1: one ApiVersions does not speak, answered in the v0 layout.
    bool respond(const kcoro::received_api_versions_request&, std::int16_t version, kcoro::wire_writer& w) {
        using response = outgoing<kcoro::api_versions_response>;
        std::vector<response::api_version> keys;
        for (const auto& a : supported) keys.push_back({.api_key = a.key, .min_version = a.min, .max_version = a.max});
        response resp{.error_code = version < 0 ? errc::unsupported_version : errc::none, .api_keys = keys};
        kcoro::encode_response(w, version < 0 ? std::int16_t{0} : version, resp);
        return true;
    }

    bool respond(const kcoro::received_metadata_request& req, std::int16_t version, kcoro::wire_writer& w) {
        using response = outgoing<kcoro::metadata_response>;
        std::vector<std::string_view> names;
        if (!req.topics) {
            for (const auto& [name, offsets] : topics_) names.push_back(name);
        } else {
            for (const auto& t : *req.topics) {
                if (!t.name) continue;
                topic(*t.name);  // asked for, so it exists from now on
                names.push_back(topics_.find(*t.name)->first);
            }
        }
        // (The rest of the request, auto-creation and authorized-operations flags, changes nothing here.)
        const response::metadata_response_broker self[] = {{.node_id = 0, .host = host_, .port = port_}};
        std::vector<response::metadata_response_topic> topics;
        for (const auto name : names) topics.push_back({.name = name, .partitions = partition_metadata_});
        const response resp{.brokers = self, .cluster_id = "kcoro-sink", .controller_id = 0, .topics = topics};
        kcoro::encode_response(w, version, resp);
        return true;
    }

    bool respond(const kcoro::received_init_producer_id_request&, std::int16_t version, kcoro::wire_writer& w) {
        const outgoing<kcoro::init_producer_id_response> resp{.producer_id = next_producer_id_++, .producer_epoch = 0};
        kcoro::encode_response(w, version, resp);
        return true;
    }

    // Walks a partition's record batches (magic 2): their framing must add up to the bytes sent.
    // Returns the number of records, or -1 when the framing is broken.
    static std::int64_t count_records(kcoro::bytes_view batches_bytes, std::uint64_t& batches) {
        std::int64_t records = 0;
        while (!batches_bytes.empty()) {
            if (batches_bytes.size() < 61) return -1;  // a v2 batch header is 61 bytes
            kcoro::wire_reader h(batches_bytes.subspan(8));
            const std::int32_t length = *h.i32();
            if (length < 49 || static_cast<std::size_t>(length) > batches_bytes.size() - 12) return -1;
            (void)h.i32();  // partition leader epoch
            if (*h.i8() != 2) return -1;
            (void)h.u32();  // crc
            (void)h.i16();  // attributes
            const std::int32_t last_offset_delta = *h.i32();
            if (last_offset_delta < 0) return -1;
            records += static_cast<std::int64_t>(last_offset_delta) + 1;
            ++batches;
            batches_bytes = batches_bytes.subspan(12 + static_cast<std::size_t>(length));
        }
        return records;
    }

    bool respond(const kcoro::received_produce_request& req, std::int16_t version, kcoro::wire_writer& w) {
        using response = outgoing<kcoro::produce_response>;
        ++stats.produce_requests;
        std::size_t partition_count = 0;
        for (const auto& t : req.topics) partition_count += t.partitions.size();
        std::vector<response::partition_produce_response> partitions;
        partitions.reserve(partition_count);  // the topics' spans point into it
        std::vector<response::topic_produce_response> topics;
        for (const auto& t : req.topics) {
            auto& offsets = topic(t.name);
            const std::size_t first = partitions.size();
            for (const auto& p : t.partitions) {
                auto& answer = partitions.emplace_back();
                answer.index = p.index;
                answer.base_offset = -1;
                answer.log_start_offset = 0;
                if (p.index < 0 || p.index >= partitions_) {
                    answer.error_code = errc::unknown_topic_or_partition;
                } else if (p.records && !p.records->empty()) {
                    const std::int64_t n = count_records(*p.records, stats.batches);
                    if (n < 0) {
                        answer.error_code = errc::corrupt_message;
                    } else {
                        answer.base_offset = offsets[static_cast<std::size_t>(p.index)];
                        offsets[static_cast<std::size_t>(p.index)] += n;
                        stats.records += static_cast<std::uint64_t>(n);
                        stats.bytes += p.records->size();
                    }
                }
                // The log append time stays -1: the producer's timestamps stand.
            }
            topics.push_back({.name = t.name, .partitions = std::span(partitions).subspan(first, t.partitions.size())});
        }
        if (req.acks == 0) return false;
        kcoro::encode_response(w, version, response{.topics = topics});
        return true;
    }
};

struct connection {
    int fd;
    std::vector<std::uint8_t> in;
    std::size_t in_used = 0;
    kcoro::byte_buffer out;
    std::size_t out_sent = 0;
};

[[noreturn]] void usage(const char* argv0, const char* why) {
    std::fprintf(stderr, "%s: %s\nusage: %s [--host 127.0.0.1] [--port 0] [--partitions 6]\n", argv0, why, argv0);
    std::exit(2);
}

// Reads what there is. False: the peer closed, or the stream broke.
bool read_some(connection& c) {
    for (;;) {
        if (c.in.size() - c.in_used < 65536) c.in.resize(std::max<std::size_t>(c.in.size() * 2, 1u << 20));
        const ssize_t n = ::read(c.fd, c.in.data() + c.in_used, c.in.size() - c.in_used);
        if (n > 0) {
            c.in_used += static_cast<std::size_t>(n);
            if (c.in_used < c.in.size()) return true;
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

bool write_some(connection& c) {
    while (c.out_sent < c.out.size()) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.out_sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
    }
    c.out.clear();
    c.out_sent = 0;
    return true;
}

// Serves every complete frame in c.in. False: close the connection.
bool serve(sink& s, connection& c) {
    std::size_t at = 0;
    bool ok = true;
    while (c.in_used - at >= 4) {
        const std::uint8_t* p = c.in.data() + at;
        const std::uint32_t size = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
        if (size > max_frame) {
            std::fprintf(stderr, "sink_broker: a %u-byte frame: closing the connection\n", size);
            ok = false;
            break;
        }
        if (c.in_used - at - 4 < size) {
            if (c.in.size() < size + 4) c.in.resize(size + 4 + 65536);
            break;
        }
        if (!s.handle(kcoro::bytes_view(p + 4, size), c.out)) {
            ok = false;
            break;
        }
        at += 4 + size;
    }
    if (at > 0) {
        std::memmove(c.in.data(), c.in.data() + at, c.in_used - at);
        c.in_used -= at;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    long port = 0;
    long partitions = 6;
    for (int i = 1; i < argc; i += 2) {
        const std::string_view name = argv[i];
        if (i + 1 >= argc) usage(argv[0], "every option takes a value");
        char* end = nullptr;
        if (name == "--host") {
            host = argv[i + 1];
            continue;
        }
        const long v = std::strtol(argv[i + 1], &end, 10);
        if (*end != '\0') usage(argv[0], "expected a number");
        if (name == "--port" && v >= 0 && v <= 65535) port = v;
        else if (name == "--partitions" && v >= 1 && v <= 10000) partitions = v;
        else usage(argv[0], "unknown option or value out of range");
    }

    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) usage(argv[0], "--host takes an IPv4 address");
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 64) != 0) {
        std::fprintf(stderr, "sink_broker: cannot listen on %s:%ld: %s\n", host.c_str(), port, std::strerror(errno));
        return 1;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const int bound = ntohs(addr.sin_port);

    struct sigaction sa{};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    sink s(host, bound, static_cast<int>(partitions));
    std::vector<std::unique_ptr<connection>> conns;
    std::vector<pollfd> fds;
    std::printf("listening %s:%d partitions %ld\n", host.c_str(), bound, partitions);
    std::fflush(stdout);

    while (stop_requested == 0) {
        fds.clear();
        fds.push_back({listener, POLLIN, 0});
        for (const auto& c : conns)
            fds.push_back({c->fd, static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
        const int ready = ::poll(fds.data(), fds.size(), 200);
        if (ready < 0) {
            if (errno == EINTR) continue;
            std::perror("sink_broker: poll");
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            for (;;) {
                const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conns.push_back(std::make_unique<connection>(connection{fd, {}, 0, {}, 0}));
                ++s.stats.connections;
            }
        }
        // fds[i + 1] belongs to conns[i] for the connections that were there when poll began.
        const std::size_t polled = fds.size() - 1;
        for (std::size_t i = polled; i-- > 0;) {
            connection& c = *conns[i];
            const short ev = fds[i + 1].revents;
            bool alive = true;
            if (ev & (POLLIN | POLLHUP | POLLERR)) {
                // What arrived before the peer closed is still served (acks=0 requests want no answer).
                const bool open = read_some(c);
                alive = serve(s, c) && open;
            }
            if (alive && !c.out.empty()) alive = write_some(c);
            if (!alive) {
                ::close(c.fd);
                conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }
    std::fprintf(stderr,
                 "sink_broker: %llu connections, %llu requests, %llu Produce requests, %llu batches, %llu records, "
                 "%llu bytes of batches, %llu connections refused\n",
                 static_cast<unsigned long long>(s.stats.connections), static_cast<unsigned long long>(s.stats.requests),
                 static_cast<unsigned long long>(s.stats.produce_requests),
                 static_cast<unsigned long long>(s.stats.batches), static_cast<unsigned long long>(s.stats.records),
                 static_cast<unsigned long long>(s.stats.bytes), static_cast<unsigned long long>(s.stats.refused));
    for (const auto& c : conns) ::close(c->fd);
    ::close(listener);
    return 0;
}
