// Starts kcoro_mock_cluster (tests/mock/mock_cluster.cpp) as a child process and drives it: a
// librdkafka mock cluster on loopback ports that lives exactly as long as this object.
//
//   auto mock = kcoro::testing::mock_cluster_process::start({.brokers = 3, .topics = {"t:3:3"}});
//   REQUIRE(mock);
//   connect to mock->bootstrap() ...
//   CHECK(mock->push_errors(0 /* Produce */, {6 /* NOT_LEADER_OR_FOLLOWER */, 6}));
//   CHECK(mock->command("broker-down 2"));          // any line of the control protocol
//
// The program is found as options.program, else the KCORO_MOCK_CLUSTER_PROGRAM macro (the CMake
// target kcoro_mock_cluster_process defines it), else $KCORO_MOCK_CLUSTER, else on PATH. The child's
// stdin and stdout are one socket pair; closing it makes the child destroy its cluster and exit, so
// it also ends when the test process dies. No exceptions: failures are nullopt/false plus error().
//
// librdkafka 2.0.2's mock consults a broker's own error stack for an ApiKey once it has one, even
// empty, instead of the cluster-wide stack: after broker_push_errors(b, api, ...), push_errors(api,
// ...) no longer reaches broker b. Use one kind per ApiKey in a test.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern "C" char** environ;

namespace kcoro::testing {

struct mock_cluster_options {
    int brokers = 3;
    std::vector<std::string> topics = {};  // each "NAME:PARTITIONS:RF"
    std::string program = {};              // empty: see the top of this file
    std::chrono::milliseconds timeout{10000};  // for the bootstrap line and for each answer
    std::string debug = {};                // librdkafka debug contexts, logged to stderr
};

class mock_cluster_process {
public:
    // Starts the program and waits for its bootstrap line. On failure, why (if given) says why.
    static std::optional<mock_cluster_process> start(const mock_cluster_options& options = {},
                                                     std::string* why = nullptr) {
        mock_cluster_process p;
        p.timeout_ = options.timeout;
        if (!p.spawn(options) || !p.read_line(p.bootstrap_)) {
            if (why != nullptr) *why = p.error_;
            return std::nullopt;
        }
        if (p.bootstrap_.empty()) {
            if (why != nullptr) *why = "empty bootstrap line";
            return std::nullopt;
        }
        return std::optional<mock_cluster_process>(std::move(p));
    }

    mock_cluster_process(mock_cluster_process&& o) noexcept
        : pid_(std::exchange(o.pid_, -1)),
          fd_(std::exchange(o.fd_, -1)),
          timeout_(o.timeout_),
          bootstrap_(std::move(o.bootstrap_)),
          buffer_(std::move(o.buffer_)),
          error_(std::move(o.error_)) {}
    mock_cluster_process& operator=(mock_cluster_process&& o) noexcept {
        if (this != &o) {
            (void)stop();
            pid_ = std::exchange(o.pid_, -1);
            fd_ = std::exchange(o.fd_, -1);
            timeout_ = o.timeout_;
            bootstrap_ = std::move(o.bootstrap_);
            buffer_ = std::move(o.buffer_);
            error_ = std::move(o.error_);
        }
        return *this;
    }
    mock_cluster_process(const mock_cluster_process&) = delete;
    mock_cluster_process& operator=(const mock_cluster_process&) = delete;
    ~mock_cluster_process() { (void)stop(); }

    // "127.0.0.1:port,127.0.0.1:port,..."
    const std::string& bootstrap() const { return bootstrap_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }
    // Why the last request, command or start failed ("error ..." text from the program, or ours).
    const std::string& error() const { return error_; }

    // Sends one command line and waits for its answer: the text after "ok" ("" for a bare "ok"),
    // or nullopt if the answer was "error <text>" or none came (see error()).
    std::optional<std::string> request(std::string_view line) {
        error_.clear();
        if (fd_ < 0) return fail("mock cluster not running");
        if (line.find('\n') != std::string_view::npos) return fail("command contains a newline");
        std::string out(line);
        out.push_back('\n');
        std::size_t off = 0;
        while (off < out.size()) {
            const ssize_t n = ::send(fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 && (errno == EPIPE || errno == ECONNRESET)) return fail("mock cluster exited");
            if (n <= 0) return fail(std::string("sending to mock cluster: ") + std::strerror(errno));
            off += static_cast<std::size_t>(n);
        }
        std::string answer;
        if (!read_line(answer)) return std::nullopt;
        if (answer == "ok") return std::string();
        if (answer.rfind("ok ", 0) == 0) return answer.substr(3);
        if (answer.rfind("error ", 0) == 0) return fail(answer.substr(6));
        return fail("unexpected answer: " + answer);
    }
    bool command(std::string_view line) { return request(line).has_value(); }

    // The next requests with this ApiKey, cluster-wide, fail with these Kafka error codes in turn.
    bool push_errors(std::int16_t api_key, std::initializer_list<int> errors) {
        std::string line = "push-errors " + std::to_string(api_key) + " " + std::to_string(errors.size());
        for (int e : errors) line.append(1, ' ').append(std::to_string(e));
        return command(line);
    }
    struct error_rtt {
        int error;  // 0: no error, only the delay
        int rtt_ms;
    };
    // Per broker: the next requests with this ApiKey to broker_id get these errors after these delays.
    bool broker_push_errors(int broker_id, std::int16_t api_key, std::initializer_list<error_rtt> errors) {
        std::string line = "broker-push-errors " + std::to_string(broker_id) + " " + std::to_string(api_key);
        for (const error_rtt& e : errors)
            line.append(1, ' ').append(std::to_string(e.error)).append(1, ':').append(std::to_string(e.rtt_ms));
        return command(line);
    }
    // Errors still waiting on broker_id's stack for this ApiKey.
    std::optional<std::size_t> broker_error_count(int broker_id, std::int16_t api_key) {
        auto r = request("broker-error-count " + std::to_string(broker_id) + " " + std::to_string(api_key));
        if (!r) return std::nullopt;
        char* end = nullptr;
        const unsigned long long n = std::strtoull(r->c_str(), &end, 10);
        if (r->empty() || *end != '\0') {
            (void)fail("unexpected count: " + *r);
            return std::nullopt;
        }
        return static_cast<std::size_t>(n);
    }
    bool clear_errors(std::int16_t api_key) { return command("clear-errors " + std::to_string(api_key)); }
    // broker_id -1: all brokers. Down disconnects clients and refuses new connections; no leader moves.
    bool broker_down(int broker_id) { return command("broker-down " + std::to_string(broker_id)); }
    bool broker_up(int broker_id) { return command("broker-up " + std::to_string(broker_id)); }
    bool set_rtt(int broker_id, int ms) {
        return command("set-rtt " + std::to_string(broker_id) + " " + std::to_string(ms));
    }
    bool set_leader(std::string_view topic, int partition, int broker_id) {
        return command("set-leader " + std::string(topic) + " " + std::to_string(partition) + " " +
                       std::to_string(broker_id));
    }
    bool create_topic(std::string_view topic, int partitions, int replication_factor) {
        return command("create-topic " + std::string(topic) + " " + std::to_string(partitions) + " " +
                       std::to_string(replication_factor));
    }
    // Narrows the versions advertised for an ApiKey; -1 -1 removes it.
    bool set_apiversion(std::int16_t api_key, int min_version, int max_version) {
        return command("set-apiversion " + std::to_string(api_key) + " " + std::to_string(min_version) +
                       " " + std::to_string(max_version));
    }

    // Ends the child: closes its input (it destroys the cluster and exits), waits up to the
    // timeout, then kills it. Returns its exit status, 128+signal if killed, -1 if none.
    int stop() {
        if (pid_ <= 0) {
            close_fd();
            return -1;
        }
        if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + timeout_;
        pid_t r = 0;
        while ((r = ::waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (r == 0) {
            ::kill(pid_, SIGKILL);
            while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
            }
        }
        pid_ = -1;
        close_fd();
        if (r < 0) return -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return -1;
    }

private:
    mock_cluster_process() = default;

    std::nullopt_t fail(std::string why) {
        error_ = std::move(why);
        return std::nullopt;
    }
    void close_fd() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    static std::string default_program() {
#ifdef KCORO_MOCK_CLUSTER_PROGRAM
        return KCORO_MOCK_CLUSTER_PROGRAM;
#else
        const char* env = std::getenv("KCORO_MOCK_CLUSTER");
        return env != nullptr && *env != '\0' ? env : "kcoro_mock_cluster";
#endif
    }

    bool spawn(const mock_cluster_options& o) {
        const std::string program = o.program.empty() ? default_program() : o.program;
        std::vector<std::string> args = {program, "--brokers", std::to_string(o.brokers)};
        for (const std::string& t : o.topics) {
            args.push_back("--topic");
            args.push_back(t);
        }
        if (!o.debug.empty()) {
            args.push_back("--debug");
            args.push_back(o.debug);
        }
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            error_ = std::string("socketpair: ") + std::strerror(errno);
            return false;
        }
        int child = sv[1];
        if (child <= STDOUT_FILENO) {  // keep it clear of the descriptors it is copied onto
            child = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
            ::close(sv[1]);
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, child, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, child, STDOUT_FILENO);
        pid_t pid = -1;
        const bool has_slash = program.find('/') != std::string::npos;
        const int rc = has_slash ? ::posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ)
                                 : ::posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(child);
        if (rc != 0) {
            ::close(sv[0]);
            error_ = "cannot start " + program + ": " + std::strerror(rc);
            return false;
        }
        pid_ = pid;
        fd_ = sv[0];
        return true;
    }

    // Reads one line (without '\n') within the timeout.
    bool read_line(std::string& line) {
        const auto deadline = std::chrono::steady_clock::now() + timeout_;
        for (;;) {
            const std::size_t nl = buffer_.find('\n');
            if (nl != std::string::npos) {
                line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return true;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                error_ = "no answer from mock cluster within " + std::to_string(timeout_.count()) + " ms";
                return false;
            }
            pollfd p{fd_, POLLIN, 0};
            const int pr = ::poll(&p, 1, static_cast<int>(left.count()));
            if (pr < 0 && errno != EINTR) {
                error_ = std::string("poll: ") + std::strerror(errno);
                return false;
            }
            if (pr <= 0) continue;  // interrupted, or the deadline check above reports a timeout
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // A child killed before reading what was sent resets the connection.
                const bool gone = n == 0 || errno == ECONNRESET;
                error_ = gone ? "mock cluster exited" : std::string("reading from mock cluster: ") + std::strerror(errno);
                return false;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    std::chrono::milliseconds timeout_{10000};
    std::string bootstrap_;
    std::string buffer_;
    std::string error_;
};

}  // namespace kcoro::testing
