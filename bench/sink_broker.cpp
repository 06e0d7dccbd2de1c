// A Kafka broker that keeps nothing: it answers ApiVersions, Metadata and InitProducerId and
// acknowledges every Produce request as soon as it has read it, so that a producer benchmark run
// against it measures the client's own cost rather than a broker's. Enough of the protocol is spoken
// for librdkafka and kcoro to produce to it unmodified:
//
//   ApiVersions     0-4   (a higher version gets UNSUPPORTED_VERSION in the v0 layout, as Kafka answers)
//   Metadata        0-8   every topic asked for exists, with --partitions partitions led by this broker
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

// Kafka's error codes used here.
constexpr std::int16_t err_none = 0;
constexpr std::int16_t err_corrupt_message = 2;
constexpr std::int16_t err_unsupported_version = 35;

constexpr std::int16_t api_produce = 0;
constexpr std::int16_t api_metadata = 3;
constexpr std::int16_t api_api_versions = 18;
constexpr std::int16_t api_init_producer_id = 22;

constexpr std::int16_t api_fetch = 1;
constexpr std::int16_t api_find_coordinator = 10;

struct api_range {
    std::int16_t key, min, max;
    bool served;
};
// Fetch and FindCoordinator are advertised, never served: librdkafka decides from the advertised
// versions whether the broker takes v2 record batches (Produce 3+ and Fetch 4+), LZ4 (FindCoordinator)
// and zstd (Produce 7+ and Fetch 10+). A producer never sends them; a request for them is refused.
constexpr api_range supported[] = {{api_produce, 3, 8, true},          {api_fetch, 4, 11, false},
                                   {api_metadata, 0, 8, true},         {api_find_coordinator, 0, 2, false},
                                   {api_api_versions, 0, 4, true},     {api_init_producer_id, 0, 1, true}};

constexpr std::size_t max_frame = 128u * 1024 * 1024;

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

// Big-endian reads over one request, failing (not throwing) past its end.
struct reader {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool ok = true;

    bool need(std::size_t n) {
        if (!ok || static_cast<std::size_t>(end - p) < n) ok = false;
        return ok;
    }
    std::uint64_t be(std::size_t n) {
        if (!need(n)) return 0;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
        p += n;
        return v;
    }
    std::int8_t i8() { return static_cast<std::int8_t>(be(1)); }
    std::int16_t i16() { return static_cast<std::int16_t>(be(2)); }
    std::int32_t i32() { return static_cast<std::int32_t>(be(4)); }
    std::uint32_t uvarint() {
        std::uint32_t v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!need(1)) return 0;
            const std::uint8_t b = *p++;
            v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        ok = false;
        return 0;
    }
    // A STRING or NULLABLE_STRING (int16 length, -1 for null).
    std::optional<std::string_view> nullable_string() {
        const std::int16_t n = i16();
        if (!ok || n < 0) return std::nullopt;
        if (!need(static_cast<std::size_t>(n))) return std::nullopt;
        std::string_view s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        return s;
    }
    std::string_view string() {
        const std::int16_t n = i16();
        if (n < 0) ok = false;
        if (!ok || !need(static_cast<std::size_t>(n))) return {};
        std::string_view s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        return s;
    }
    void skip_tagged_fields() {
        const std::uint32_t count = uvarint();
        for (std::uint32_t i = 0; ok && i < count; ++i) {
            uvarint();  // tag
            const std::uint32_t size = uvarint();
            if (need(size)) p += size;
        }
    }
};

struct writer {
    std::vector<std::uint8_t>& out;
    void be(std::uint64_t v, std::size_t n) {
        for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void i8(std::int8_t v) { be(static_cast<std::uint8_t>(v), 1); }
    void i16(std::int16_t v) { be(static_cast<std::uint16_t>(v), 2); }
    void i32(std::int32_t v) { be(static_cast<std::uint32_t>(v), 4); }
    void i64(std::int64_t v) { be(static_cast<std::uint64_t>(v), 8); }
    void uvarint(std::uint32_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<std::uint8_t>(v));
    }
    void string(std::string_view s) {
        i16(static_cast<std::int16_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }
    void null_string() { i16(-1); }
};

struct totals {
    std::uint64_t connections = 0;
    std::uint64_t requests = 0;
    std::uint64_t produce_requests = 0;
    std::uint64_t batches = 0;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::uint64_t refused = 0;  // connections closed for a request this broker does not take
};

class sink {
public:
    sink(std::string host, int port, int partitions) : host_(std::move(host)), port_(port), partitions_(partitions) {}

    totals stats;

    // Handles one request frame (without its size prefix), appending any response, size prefix
    // included, to out. False: close the connection.
    bool handle(const std::uint8_t* data, std::size_t size, std::vector<std::uint8_t>& out) {
        reader r{data, data + size};
        const std::int16_t key = r.i16();
        const std::int16_t version = r.i16();
        const std::int32_t correlation = r.i32();
        r.nullable_string();  // client id
        if (!r.ok) return false;
        ++stats.requests;
        const api_range* api = nullptr;
        for (const auto& a : supported)
            if (a.key == key) api = &a;
        if (api == nullptr || !api->served) return refuse("api key", key, version);
        if (key == api_api_versions) {
            // Request header v2 (tagged fields) from v3; the response header is v0 at every version.
            if (version >= 3 && version <= api->max) r.skip_tagged_fields();
            return api_versions(correlation, version, out);
        }
        if (version < api->min || version > api->max) return refuse("version", key, version);

        const std::size_t start = begin_response(out, correlation);
        bool respond = true;
        bool ok = false;
        switch (key) {
        case api_metadata: ok = metadata(r, version, out); break;
        case api_init_producer_id: ok = init_producer_id(r, out); break;
        case api_produce: ok = produce(r, version, out, respond); break;
        default: break;
        }
        if (!ok || !respond) {
            out.resize(start);
            return ok;
        }
        end_response(out, start);
        return true;
    }

private:
    std::string host_;
    int port_;
    int partitions_;
    std::int64_t next_producer_id_ = 1000;
    std::map<std::string, std::vector<std::int64_t>, std::less<>> topics_;  // next offset per partition

    bool refuse(const char* what, std::int16_t key, std::int16_t version) {
        ++stats.refused;
        std::fprintf(stderr, "sink_broker: unsupported %s (api key %d, version %d): closing the connection\n", what, key,
                     version);
        return false;
    }

    static std::size_t begin_response(std::vector<std::uint8_t>& out, std::int32_t correlation) {
        const std::size_t start = out.size();
        writer w{out};
        w.i32(0);  // size, patched by end_response
        w.i32(correlation);
        return start;
    }
    static void end_response(std::vector<std::uint8_t>& out, std::size_t start) {
        const auto n = static_cast<std::uint32_t>(out.size() - start - 4);
        for (std::size_t i = 0; i < 4; ++i) out[start + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
    }

    std::vector<std::int64_t>& topic(std::string_view name) {
        auto it = topics_.find(name);
        if (it == topics_.end())
            it = topics_.emplace(std::string(name), std::vector<std::int64_t>(static_cast<std::size_t>(partitions_), 0)).first;
        return it->second;
    }

    bool api_versions(std::int32_t correlation, std::int16_t version, std::vector<std::uint8_t>& out) {
        const std::size_t start = begin_response(out, correlation);
        writer w{out};
        const std::int16_t max = 4;
        const bool unsupported = version < 0 || version > max;
        const bool flexible = !unsupported && version >= 3;
        w.i16(unsupported ? err_unsupported_version : err_none);
        if (flexible) w.uvarint(std::size(supported) + 1);
        else w.i32(static_cast<std::int32_t>(std::size(supported)));
        for (const auto& a : supported) {
            w.i16(a.key);
            w.i16(a.min);
            w.i16(a.max);
            if (flexible) w.uvarint(0);
        }
        if (!unsupported && version >= 1) w.i32(0);  // throttle time
        if (flexible) w.uvarint(0);
        end_response(out, start);
        return true;
    }

    bool metadata(reader& r, std::int16_t version, std::vector<std::uint8_t>& out) {
        std::vector<std::string_view> asked;
        const std::int32_t n = r.i32();
        const bool all = n < 0 || (version == 0 && n == 0);
        for (std::int32_t i = 0; r.ok && i < n; ++i) asked.push_back(r.string());
        if (!r.ok) return false;
        std::vector<std::string_view> names;
        if (all) {
            for (const auto& [name, offsets] : topics_) names.push_back(name);
        } else {
            for (const auto name : asked) {
                topic(name);  // asked for, so it exists from now on
                names.push_back(topics_.find(name)->first);
            }
        }
        // (The rest of the request, auto-creation and authorized-operations flags, changes nothing here.)
        writer w{out};
        if (version >= 3) w.i32(0);  // throttle time
        w.i32(1);                    // brokers: this one
        w.i32(0);                    // node id
        w.string(host_);
        w.i32(port_);
        if (version >= 1) w.null_string();  // rack
        if (version >= 2) w.string("kcoro-sink");
        if (version >= 1) w.i32(0);  // controller
        w.i32(static_cast<std::int32_t>(names.size()));
        for (const auto name : names) {
            w.i16(err_none);
            w.string(name);
            if (version >= 1) w.i8(0);  // not internal
            w.i32(partitions_);
            for (std::int32_t p = 0; p < partitions_; ++p) {
                w.i16(err_none);
                w.i32(p);
                w.i32(0);                    // leader
                if (version >= 7) w.i32(0);  // leader epoch
                w.i32(1);                    // replicas
                w.i32(0);
                w.i32(1);  // in-sync replicas
                w.i32(0);
                if (version >= 5) w.i32(0);  // no offline replicas
            }
            if (version >= 8) w.i32(-2147483648);  // authorized operations not asked for
        }
        if (version >= 8) w.i32(-2147483648);
        return true;
    }

    bool init_producer_id(reader& r, std::vector<std::uint8_t>& out) {
        r.nullable_string();  // transactional id
        r.i32();              // transaction timeout
        if (!r.ok) return false;
        writer w{out};
        w.i32(0);  // throttle time
        w.i16(err_none);
        w.i64(next_producer_id_++);
        w.i16(0);  // epoch
        return true;
    }

    // Walks a partition's record batches (magic 2): their framing must add up to the bytes sent.
    // Returns the number of records, or -1 when the framing is broken.
    static std::int64_t count_records(const std::uint8_t* p, std::size_t n, std::uint64_t& batches) {
        std::int64_t records = 0;
        while (n > 0) {
            if (n < 61) return -1;  // a v2 batch header is 61 bytes
            reader h{p + 8, p + n};
            const std::int32_t length = h.i32();
            if (length < 49 || static_cast<std::size_t>(length) > n - 12) return -1;
            h.i32();  // partition leader epoch
            if (h.i8() != 2) return -1;
            h.i32();             // crc
            h.i16();             // attributes
            const std::int32_t last_offset_delta = h.i32();
            if (last_offset_delta < 0) return -1;
            records += static_cast<std::int64_t>(last_offset_delta) + 1;
            ++batches;
            p += 12 + static_cast<std::size_t>(length);
            n -= 12 + static_cast<std::size_t>(length);
        }
        return records;
    }

    bool produce(reader& r, std::int16_t version, std::vector<std::uint8_t>& out, bool& respond) {
        r.nullable_string();  // transactional id
        const std::int16_t acks = r.i16();
        r.i32();  // timeout
        respond = acks != 0;
        ++stats.produce_requests;
        writer w{out};
        const std::int32_t topic_count = r.i32();
        if (!r.ok || topic_count < 0) return false;
        w.i32(topic_count);
        for (std::int32_t t = 0; t < topic_count; ++t) {
            const std::string_view name = r.string();
            const std::int32_t partition_count = r.i32();
            if (!r.ok || partition_count < 0) return false;
            auto& offsets = topic(name);
            w.string(name);
            w.i32(partition_count);
            for (std::int32_t i = 0; i < partition_count; ++i) {
                const std::int32_t index = r.i32();
                const std::int32_t size = r.i32();
                if (!r.ok || size < -1 || (size > 0 && !r.need(static_cast<std::size_t>(size)))) return false;
                std::int16_t error = err_none;
                std::int64_t base = -1;
                if (index < 0 || index >= partitions_) {
                    error = 3;  // UNKNOWN_TOPIC_OR_PARTITION
                } else if (size > 0) {
                    const std::int64_t n = count_records(r.p, static_cast<std::size_t>(size), stats.batches);
                    if (n < 0) {
                        error = err_corrupt_message;
                    } else {
                        base = offsets[static_cast<std::size_t>(index)];
                        offsets[static_cast<std::size_t>(index)] += n;
                        stats.records += static_cast<std::uint64_t>(n);
                        stats.bytes += static_cast<std::uint64_t>(size);
                    }
                }
                if (size > 0) r.p += size;
                w.i32(index);
                w.i16(error);
                w.i64(base);
                w.i64(-1);                   // log append time: the producer's timestamps stand
                if (version >= 5) w.i64(0);  // log start offset
                if (version >= 8) {
                    w.i32(0);  // no record errors
                    w.null_string();
                }
            }
        }
        w.i32(0);  // throttle time
        return r.ok;
    }
};

struct connection {
    int fd;
    std::vector<std::uint8_t> in;
    std::size_t in_used = 0;
    std::vector<std::uint8_t> out;
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
        if (!s.handle(p + 4, size, c.out)) {
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
