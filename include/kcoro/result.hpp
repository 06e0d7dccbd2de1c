// kcoro::error and kcoro::result<T>: errors as values, usable with -fno-exceptions.
#pragma once

#include "detail/prelude.hpp"
#include "error.hpp"

#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

// An error code plus, where it helps, a detail naming what was wrong ("batch_size: must be > 0",
// "topic 'orders' partition 3"). The detail is empty on hot paths and lives on the heap when it is
// not, so that an error, and so every result, moves as cheaply as a pointer: a send's result is
// moved a few times per record.
class error {
public:
    error() = default;
    error(errc e) : code_(make_error_code(e)) {}  // NOLINT: implicit by design
    error(std::error_code c) : code_(c) {}       // NOLINT
    error(errc e, std::string detail) : code_(make_error_code(e)), detail_(keep(std::move(detail))) {}
    error(std::error_code c, std::string detail) : code_(c), detail_(keep(std::move(detail))) {}
    error(const error& o) : code_(o.code_), detail_(o.detail_ ? std::make_unique<std::string>(*o.detail_) : nullptr) {}
    error& operator=(const error& o) {
        if (this != &o) {
            code_ = o.code_;
            detail_ = o.detail_ ? std::make_unique<std::string>(*o.detail_) : nullptr;
        }
        return *this;
    }
    error(error&&) noexcept = default;
    error& operator=(error&&) noexcept = default;
    ~error() = default;

    const std::error_code& code() const noexcept { return code_; }
    const std::string& detail() const noexcept {
        static const std::string none;
        return detail_ ? *detail_ : none;
    }
    // The kcoro errc, when the code is in the kcoro category; errc::none otherwise.
    errc kind() const noexcept {
        return code_.category() == error_category() ? static_cast<errc>(code_.value()) : errc::none;
    }
    bool retriable() const noexcept { return kind() != errc::none && is_retriable(kind()); }

    // "detail: code message", the line to log or show.
    std::string message() const {
        std::string m = detail();
        if (!m.empty()) m += ": ";
        m += code_.message();
        return m;
    }

    explicit operator bool() const noexcept { return static_cast<bool>(code_); }
    friend bool operator==(const error& a, errc b) noexcept { return a.code_ == make_error_code(b); }

private:
    static std::unique_ptr<std::string> keep(std::string&& d) {
        return d.empty() ? nullptr : std::make_unique<std::string>(std::move(d));
    }

    std::error_code code_;
    std::unique_ptr<std::string> detail_;
};

namespace detail {
[[noreturn]] inline void bad_result_access() noexcept {
    // With exceptions disabled there is nothing better to do with a programming error.
    std::abort();
}
}  // namespace detail

template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

public:
    using value_type = T;

    template <class U = T>
        requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::remove_cvref_t<U>, result>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, error>) && (!std::is_same_v<std::remove_cvref_t<U>, errc>)
    result(U&& v) : has_(true) {  // NOLINT: implicit by design
        ::new (static_cast<void*>(&storage_.value)) T(std::forward<U>(v));
    }
    result(error e) : has_(false) { ::new (static_cast<void*>(&storage_.err)) error(std::move(e)); }  // NOLINT
    result(errc e) : result(error(e)) {}                                                              // NOLINT

    result(const result& o) : has_(o.has_) {
        if (has_) ::new (static_cast<void*>(&storage_.value)) T(o.storage_.value);
        else ::new (static_cast<void*>(&storage_.err)) error(o.storage_.err);
    }
    result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
        if (has_) ::new (static_cast<void*>(&storage_.value)) T(std::move(o.storage_.value));
        else ::new (static_cast<void*>(&storage_.err)) error(std::move(o.storage_.err));
    }
    result& operator=(const result& o) {
        if (this != &o) {
            destroy();
            ::new (static_cast<void*>(this)) result(o);
        }
        return *this;
    }
    result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) {
            destroy();
            ::new (static_cast<void*>(this)) result(std::move(o));
        }
        return *this;
    }
    ~result() { destroy(); }

    bool has_value() const noexcept { return has_; }
    explicit operator bool() const noexcept { return has_; }

    T& value() & {
        if (!has_) detail::bad_result_access();
        return storage_.value;
    }
    const T& value() const& {
        if (!has_) detail::bad_result_access();
        return storage_.value;
    }
    T&& value() && {
        if (!has_) detail::bad_result_access();
        return std::move(storage_.value);
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error& err() const& {
        if (has_) detail::bad_result_access();
        return storage_.err;
    }
    error&& err() && {
        if (has_) detail::bad_result_access();
        return std::move(storage_.err);
    }
    std::error_code code() const noexcept { return has_ ? std::error_code{} : storage_.err.code(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_ ? storage_.value : static_cast<T>(std::forward<U>(fallback));
    }

private:
    void destroy() noexcept {
        if (has_) storage_.value.~T();
        else storage_.err.~error();
    }
    union storage {
        storage() {}
        ~storage() {}
        T value;
        error err;
    } storage_;
    bool has_;
};

template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error e) : err_(std::move(e)) {}  // NOLINT
    result(errc e) : err_(e) {}              // NOLINT

    bool has_value() const noexcept { return !err_; }
    explicit operator bool() const noexcept { return !err_; }
    void value() const {
        if (err_) detail::bad_result_access();
    }
    const error& err() const& { return err_; }
    error&& err() && { return std::move(err_); }
    std::error_code code() const noexcept { return err_.code(); }

private:
    error err_;
};

inline result<void> ok() { return {}; }

KCORO_NAMESPACE_END

// Propagate an error from an expression yielding result<...>: KCORO_TRY(r.check());
#define KCORO_TRY(expr)                                        \
    do {                                                       \
        if (auto kcoro_try_r_ = (expr); !kcoro_try_r_) [[unlikely]] \
            return std::move(kcoro_try_r_).err();              \
    } while (0)

#define KCORO_CONCAT_IMPL(a, b) a##b
#define KCORO_CONCAT(a, b) KCORO_CONCAT_IMPL(a, b)
// KCORO_TRY_ASSIGN(auto x, reader.i32()); binds x to the value or returns the error.
#define KCORO_TRY_ASSIGN(decl, expr) KCORO_TRY_ASSIGN_IMPL(decl, expr, KCORO_CONCAT(kcoro_try_v_, __LINE__))
#define KCORO_TRY_ASSIGN_IMPL(decl, expr, tmp)  \
    auto tmp = (expr);                          \
    if (!tmp) [[unlikely]]                      \
        return std::move(tmp).err();            \
    decl = std::move(tmp).value()
