// The typed encoder's two halves. plan_builder checks a C++ type against a schema node once, when
// the encoder is made, and records what writing needs to know at run time (the union branch to
// write, where each member's field is, the symbol of each enumerator); the first member that
// does not match fails with its path. typed_writer then writes values by that plan; only what
// the type cannot say (a string naming a symbol, a decimal's digits, a vector's size for a fixed)
// is checked per value.
#pragma once

#include "../../bytes.hpp"
#include "../../detail/prelude.hpp"
#include "../../byte_sink.hpp"
#include "../datum.hpp"
#include "../decimal.hpp"
#include "../generic_record.hpp"
#include "../node.hpp"
#include "../record_mapping.hpp"
#include "../type.hpp"
#include "../uuid.hpp"
#include "binary.hpp"
#include "encode_error.hpp"
#include "generic_writer.hpp"
#include "logical_writer.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

// ---- what a C++ type is ----

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T>
inline constexpr bool is_byte_v = std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::byte>;

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {
    using value_type = T;
};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {
    using value_type = T;
    static constexpr std::size_t size = N;
};

template <class T>
struct is_byte_vector : std::false_type {};
template <class U, class A>
struct is_byte_vector<std::vector<U, A>> : std::bool_constant<is_byte_v<U>> {};
template <class T>
inline constexpr bool is_byte_vector_v = is_byte_vector<T>::value;
template <class T>
inline constexpr bool is_byte_span_v = std::is_same_v<T, bytes_view> || std::is_same_v<T, std::span<const std::byte>>;
template <class T>
struct is_byte_array : std::false_type {};
template <class U, std::size_t N>
struct is_byte_array<std::array<U, N>> : std::bool_constant<is_byte_v<U>> {};
template <class T>
inline constexpr bool is_byte_array_v = is_byte_array<T>::value;

template <class T>
inline constexpr bool is_string_v = std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>;

template <class T>
struct is_string_map : std::false_type {};
template <class V, class C, class A>
struct is_string_map<std::map<std::string, V, C, A>> : std::true_type {
    using mapped = V;
};
template <class V, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, V, H, E, A>> : std::true_type {
    using mapped = V;
};

template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class T>
struct time_point_of : std::false_type {};
template <class C, class D>
struct time_point_of<std::chrono::time_point<C, D>> : std::true_type {
    using clock = C;
    using duration = D;
};
template <class T>
inline constexpr bool is_sys_days_v = std::is_same_v<T, std::chrono::sys_days>;
template <class T>
constexpr bool is_sys_time() {
    if constexpr (time_point_of<T>::value) return std::is_same_v<typename time_point_of<T>::clock, std::chrono::system_clock> && !is_sys_days_v<T>;
    else return false;
}
template <class T>
constexpr bool is_local_time() {
    if constexpr (time_point_of<T>::value) return std::is_same_v<typename time_point_of<T>::clock, std::chrono::local_t>;
    else return false;
}

template <class T>
inline constexpr bool is_small_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && (sizeof(T) < 4 || (std::is_signed_v<T> && sizeof(T) == 4));
template <class T>
inline constexpr bool is_wide_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool> && !is_small_integer_v<T>;

template <class T>
inline constexpr bool is_generic_v = std::is_same_v<T, datum> || std::is_same_v<T, generic_record>;

template <class T>
inline constexpr bool always_false_v = false;

// How a C++ type is named in mismatch messages.
template <class M>
std::string describe_cpp() {
    if constexpr (std::is_same_v<M, std::monostate> || std::is_same_v<M, std::nullptr_t>) return "a null";
    else if constexpr (std::is_same_v<M, bool>) return "bool";
    else if constexpr (is_small_integer_v<M>) return "an integer of up to 32 bits";
    else if constexpr (is_wide_integer_v<M>) return "a " + std::to_string(8 * sizeof(M)) + "-bit " + (std::is_signed_v<M> ? "" : "unsigned ") + "integer";
    else if constexpr (std::is_same_v<M, float>) return "float";
    else if constexpr (std::is_same_v<M, double>) return "double";
    else if constexpr (is_string_v<M>) return "a string";
    else if constexpr (is_byte_vector_v<M> || is_byte_span_v<M>) return "bytes";
    else if constexpr (is_byte_array_v<M>) return "std::array of " + std::to_string(std::tuple_size_v<M>) + " bytes";
    else if constexpr (std::is_same_v<M, avro::decimal>) return "avro::decimal";
    else if constexpr (std::is_same_v<M, avro::uuid>) return "avro::uuid";
    else if constexpr (is_sys_days_v<M>) return "std::chrono::sys_days";
    else if constexpr (is_duration<M>::value) return "a std::chrono::duration";
    else if constexpr (is_sys_time<M>()) return "a std::chrono::sys_time";
    else if constexpr (is_local_time<M>()) return "a std::chrono::local_time";
    else if constexpr (mapped_enum<M>) return "a mapped enum";
    else if constexpr (is_vector<M>::value || is_std_array<M>::value) return "a sequence";
    else if constexpr (is_string_map<M>::value) return "a map with string keys";
    else if constexpr (mapped_record<M>) return "a mapped struct";
    else if constexpr (is_optional<M>::value) return "a std::optional";
    else if constexpr (is_variant<M>::value) return "a std::variant";
    else return "a value";
}

inline std::string describe_node(node n) {
    std::string s(type_name(n.type()));
    if (n.logical() != logical_type::none) s += " (" + std::string(logical_type_name(n.logical())) + ")";
    if (!n.name().empty()) s += " " + std::string(n.name());
    if (n.type() == avro::type::fixed) s += " of " + std::to_string(n.size()) + " bytes";
    return s;
}

template <class T>
inline constexpr char type_key = 0;  // one address per type: the plan memo's key

// What a leaf needs done as it is written, decided when the plan is made so that writing does
// not consult the schema.
enum class write_op : std::uint8_t {
    as_is,
    to_float,   // a number into a float
    to_double,  // a number into a double
    uuid_text,  // a string checked as a uuid
    symbol,     // a string written as its enum symbol's index
};

// The unit time_count gives a duration type (see datum.hpp), known at compile time.
template <class D>
constexpr time_unit time_count_unit() noexcept {
    if constexpr (std::is_convertible_v<D, std::chrono::milliseconds>) return time_unit::millis;
    else if constexpr (std::is_convertible_v<D, std::chrono::microseconds>) return time_unit::micros;
    else return time_unit::nanos;
}

struct typed_plan {
    node target;
    write_op op = write_op::as_is;
    bool int_range = false;         // times: the schema's type is an int (time-millis)
    std::int64_t time_mul = 1;      // times: from the member's unit to the schema's, one of these is 1
    std::int64_t time_div = 1;
    std::int32_t wrap_branch = -1;   // >= 0: this union branch is written, then children[0]'s value
    std::int32_t null_branch = -1;   // std::optional, std::variant: the union's null branch
    std::int32_t value_branch = -1;  // std::optional: the branch of its value (children[0])
    std::vector<std::int32_t> table;         // variant: branch per alternative; enum: symbol per mapped enumerator
    std::vector<std::int64_t> enum_values;   // enum: the mapped enumerators' values, parallel to table
    std::vector<std::uint32_t> children;     // items, values, optional's value, variant alternatives, record members
    std::vector<std::int32_t> steps;         // record: per schema field, the member written, or -1 for the default
    bool identity = false;                   // record: the members are the fields, in order
};

// ---- checking a type against a schema, once ----

class plan_builder {
public:
    std::vector<typed_plan> plans;
    encode_error error;

    template <class M>
    bool check(node n, std::uint32_t& out) {
        if constexpr (is_generic_v<M>) {
            out = add(n);
            return true;
        } else if constexpr (is_optional<M>::value) {
            return check_optional<typename M::value_type>(n, out);
        } else if constexpr (is_variant<M>::value) {
            return check_variant<M>(n, out, std::make_index_sequence<std::variant_size_v<M>>{});
        } else {
            if (n.type() != avro::type::union_) return check_plain<M>(n, out);
            // A plain value into a union: its branch is the first it fits.
            encode_error first;
            for (std::size_t b = 0; b < n.branch_count(); ++b) {
                std::uint32_t inner = 0;
                if (attempt<M>(n.branch(b), inner, first)) {
                    out = add(n);
                    plans[out].wrap_branch = static_cast<std::int32_t>(b);
                    plans[out].children.push_back(inner);
                    return true;
                }
            }
            return no_branch<M>(n, first);
        }
    }

private:
    std::uint32_t add(node n) {
        plans.emplace_back();
        plans.back().target = n;
        return static_cast<std::uint32_t>(plans.size() - 1);
    }

    bool mismatch_msg(const std::string& cpp, node n) {
        return error.fail("the C++ member is " + cpp + "; the schema's type is " + describe_node(n));
    }
    template <class M>
    bool mismatch(node n) {
        return mismatch_msg(describe_cpp<M>(), n);
    }

    // Tries a check; on failure, forgets the plans it added and keeps its error in `first` (if
    // it is the first failure).
    template <class M>
    bool attempt(node n, std::uint32_t& out, encode_error& first) {
        const std::size_t plans_before = plans.size(), memo_before = memo_.size();
        if (check<M>(n, out)) return true;
        plans.resize(plans_before);
        memo_.resize(memo_before);
        if (first.message.empty()) first = std::move(error);
        error = encode_error();
        return false;
    }

    template <class M>
    bool no_branch(node n, encode_error& first) {
        std::string why = first.message;
        std::string where;
        for (std::size_t i = first.path.size(); i-- > 0;) where += first.path[i];
        error = encode_error();
        return error.fail(describe_cpp<M>() + " fits no branch of the union " + describe_union(n) +
                          (why.empty() ? std::string() : " (first branch tried: " + (where.empty() ? "" : where.substr(1) + ": ") + why + ")"));
    }

    static std::string describe_union(node n) {
        std::string s = "[";
        for (std::size_t i = 0; i < n.branch_count(); ++i) {
            if (i) s += ", ";
            s += describe_node(n.branch(i));
        }
        return s + "]";
    }

    template <class T>
    bool check_optional(node n, std::uint32_t& out) {
        if (n.type() != avro::type::union_) return mismatch_msg("a std::optional", n);
        std::int32_t null_branch = -1;
        for (std::size_t b = 0; b < n.branch_count(); ++b)
            if (n.branch(b).type() == avro::type::null) null_branch = static_cast<std::int32_t>(b);
        if (null_branch < 0) return error.fail("the C++ member is a std::optional; the union " + describe_union(n) + " has no null");
        encode_error first;
        for (std::size_t b = 0; b < n.branch_count(); ++b) {
            if (static_cast<std::int32_t>(b) == null_branch) continue;
            std::uint32_t inner = 0;
            if (attempt<T>(n.branch(b), inner, first)) {
                out = add(n);
                plans[out].null_branch = null_branch;
                plans[out].value_branch = static_cast<std::int32_t>(b);
                plans[out].children.push_back(inner);
                return true;
            }
        }
        return no_branch<T>(n, first);
    }

    template <class V, std::size_t... I>
    bool check_variant(node n, std::uint32_t& out, std::index_sequence<I...>) {
        if (n.type() != avro::type::union_) return mismatch_msg("a std::variant", n);
        std::vector<std::int32_t> table(sizeof...(I), -1);
        std::vector<std::uint32_t> children(sizeof...(I), 0);
        const bool ok = (check_alternative<std::variant_alternative_t<I, V>>(n, I, table, children) && ...);
        if (!ok) return false;
        out = add(n);
        plans[out].table = std::move(table);
        plans[out].children = std::move(children);
        return true;
    }

    template <class A>
    bool check_alternative(node n, std::size_t i, std::vector<std::int32_t>& table, std::vector<std::uint32_t>& children) {
        encode_error first;
        for (std::size_t b = 0; b < n.branch_count(); ++b) {
            const node branch = n.branch(b);
            if constexpr (std::is_same_v<A, std::monostate>) {
                if (branch.type() == avro::type::null) {
                    table[i] = static_cast<std::int32_t>(b);
                    return true;
                }
            } else {
                if (attempt<A>(branch, children[i], first)) {
                    table[i] = static_cast<std::int32_t>(b);
                    return true;
                }
            }
        }
        if constexpr (std::is_same_v<A, std::monostate>)
            return error.fail("the std::variant's std::monostate needs a null branch in the union " + describe_union(n));
        else
            return no_branch<A>(n, first);
    }

    template <class M>
    bool check_plain(node n, std::uint32_t& out) {
        const avro::type t = n.type();
        const logical_type lt = n.logical();
        bool ok = false;
        if constexpr (std::is_same_v<M, std::monostate> || std::is_same_v<M, std::nullptr_t>) {
            ok = t == avro::type::null;
        } else if constexpr (std::is_same_v<M, bool>) {
            ok = t == avro::type::boolean;
        } else if constexpr (is_small_integer_v<M>) {
            ok = t == avro::type::int_ || t == avro::type::long_ || t == avro::type::float_ || t == avro::type::double_;
        } else if constexpr (is_wide_integer_v<M>) {
            static_assert(!(std::is_unsigned_v<M> && sizeof(M) == 8),
                          "kcoro::avro: a 64-bit unsigned member may not fit an Avro long; use std::int64_t");
            ok = t == avro::type::long_ || t == avro::type::float_ || t == avro::type::double_;
            if (t == avro::type::int_)
                return error.fail("the C++ member is " + describe_cpp<M>() + "; the schema's int holds 32 bits (make the field a long, or the member std::int32_t)");
        } else if constexpr (std::is_same_v<M, float>) {
            ok = t == avro::type::float_ || t == avro::type::double_;
        } else if constexpr (std::is_same_v<M, double>) {
            ok = t == avro::type::double_;
        } else if constexpr (is_string_v<M>) {
            ok = t == avro::type::string || t == avro::type::enum_;
        } else if constexpr (is_byte_vector_v<M> || is_byte_span_v<M>) {
            ok = t == avro::type::bytes || t == avro::type::fixed;
        } else if constexpr (is_byte_array_v<M>) {
            ok = t == avro::type::bytes || (t == avro::type::fixed && n.size() == std::tuple_size_v<M>);
        } else if constexpr (std::is_same_v<M, avro::decimal>) {
            ok = lt == logical_type::decimal;
        } else if constexpr (std::is_same_v<M, avro::uuid>) {
            ok = t == avro::type::string || (t == avro::type::fixed && n.size() == 16);
        } else if constexpr (is_sys_days_v<M>) {
            ok = lt == logical_type::date;
        } else if constexpr (is_duration<M>::value) {
            ok = is_time_of_day(lt);
        } else if constexpr (is_sys_time<M>()) {
            ok = is_timestamp(lt);
        } else if constexpr (is_local_time<M>()) {
            ok = is_local_timestamp(lt);
        } else if constexpr (mapped_enum<M>) {
            return check_enum<M>(n, out);
        } else if constexpr (is_vector<M>::value || is_std_array<M>::value) {
            if (t != avro::type::array) return mismatch<M>(n);
            std::uint32_t child = 0;
            if (!check<typename M::value_type>(n.items(), child)) {
                error.path.push_back("[]");
                return false;
            }
            out = add(n);
            plans[out].children.push_back(child);
            return true;
        } else if constexpr (is_string_map<M>::value) {
            if (t != avro::type::map) return mismatch<M>(n);
            std::uint32_t child = 0;
            if (!check<typename is_string_map<M>::mapped>(n.values(), child)) {
                error.path.push_back("[]");
                return false;
            }
            out = add(n);
            plans[out].children.push_back(child);
            return true;
        } else if constexpr (mapped_record<M>) {
            return check_record<M>(n, out);
        } else if constexpr (std::is_enum_v<M>) {
            static_assert(always_false_v<M>, "kcoro::avro: map this enum's enumerators to symbols with KCORO_AVRO_ENUM(Enum, ...)");
        } else if constexpr (std::is_class_v<M>) {
            static_assert(always_false_v<M>, "kcoro::avro: map this struct's members to fields with KCORO_AVRO_RECORD(Type, ...)");
        } else {
            static_assert(always_false_v<M>, "kcoro::avro: this C++ type has no Avro mapping");
        }
        if (!ok) return mismatch<M>(n);
        out = add(n);
        typed_plan& p = plans[out];
        if constexpr (std::is_integral_v<M> || std::is_floating_point_v<M>) {
            if (t == avro::type::float_ && !std::is_same_v<M, float>) p.op = write_op::to_float;
            if (t == avro::type::double_ && !std::is_same_v<M, double>) p.op = write_op::to_double;
        } else if constexpr (is_string_v<M>) {
            if (t == avro::type::enum_) p.op = write_op::symbol;
            else if (lt == logical_type::uuid) p.op = write_op::uuid_text;
        } else if constexpr (is_duration<M>::value) {
            set_time_scale(p, time_count_unit<M>(), unit_of(lt));
            p.int_range = t == avro::type::int_;
        } else if constexpr (is_sys_time<M>() || is_local_time<M>()) {
            set_time_scale(p, time_count_unit<typename M::duration>(), unit_of(lt));
        }
        return true;
    }

    static void set_time_scale(typed_plan& p, time_unit from, time_unit to) noexcept {
        for (int k = unit_rank(from); k < unit_rank(to); ++k) p.time_mul *= 1000;
        for (int k = unit_rank(to); k < unit_rank(from); ++k) p.time_div *= 1000;
    }

    template <class E>
    bool check_enum(node n, std::uint32_t& out) {
        if (n.type() != avro::type::enum_) return mismatch<E>(n);
        const auto symbols = kcoro_avro_symbols(type_tag<E>{});
        std::vector<std::int32_t> table;
        std::vector<std::int64_t> values;
        for (const auto& s : symbols) {
            const auto i = n.symbol_index(s.name);
            if (!i) return error.fail("the C++ enumerator " + std::string(s.name) + " is not a symbol of the enum " + std::string(n.name()));
            table.push_back(static_cast<std::int32_t>(*i));
            values.push_back(static_cast<std::int64_t>(static_cast<std::underlying_type_t<E>>(s.value)));
        }
        out = add(n);
        plans[out].table = std::move(table);
        plans[out].enum_values = std::move(values);
        return true;
    }

    template <class M>
    bool check_record(node n, std::uint32_t& out) {
        if (n.type() != avro::type::record) return mismatch<M>(n);
        for (const memo_entry& m : memo_)
            if (m.type == &type_key<M> && m.node == n.index()) {
                out = m.plan;  // a recursive type: the plan being built
                return true;
            }
        out = add(n);
        memo_.push_back({&type_key<M>, n.index(), out});
        const auto members = kcoro_avro_members(type_tag<M>{});
        constexpr std::size_t count = std::tuple_size_v<std::remove_cvref_t<decltype(members)>>;
        std::array<std::string_view, count> names{};
        std::apply([&](const auto&... m) {
            std::size_t i = 0;
            ((names[i++] = m.name), ...);
        }, members);
        // Every member must be a field of the record.
        for (std::size_t i = 0; i < count; ++i)
            if (!n.field_index(names[i])) {
                error.fail("the C++ member is not a field of the record " + std::string(n.name()));
                return error.in_field(names[i]);
            }
        std::vector<std::int32_t> steps(n.field_count(), -1);
        std::vector<std::uint32_t> children(count, 0);
        bool identity = count == n.field_count();
        for (std::size_t f = 0; f < n.field_count(); ++f) {
            std::int32_t which = -1;
            for (std::size_t i = 0; i < count; ++i)
                if (names[i] == n.field_name(f)) which = static_cast<std::int32_t>(i);
            if (which < 0) {
                if (!n.field_has_default(f)) {
                    error.fail("the schema's field has no default, and the C++ type has no member for it");
                    return error.in_field(n.field_name(f));
                }
                identity = false;
                continue;
            }
            identity = identity && which == static_cast<std::int32_t>(f);
            steps[f] = which;
            std::uint32_t child = 0;
            const bool ok = visit_member(members, static_cast<std::size_t>(which), [&](const auto& m) {
                using T = typename std::remove_cvref_t<decltype(m)>::member_type;
                return check<T>(n.field_type(f), child);
            });
            if (!ok) return error.in_field(n.field_name(f));
            children[static_cast<std::size_t>(which)] = child;
        }
        plans[out].steps = std::move(steps);
        plans[out].children = std::move(children);
        plans[out].identity = identity;
        return true;
    }

    struct memo_entry {
        const void* type;
        std::uint32_t node;
        std::uint32_t plan;
    };
    std::vector<memo_entry> memo_;

public:
    // Calls f with member `i` of a tuple of member_refs.
    template <class Tuple, class F>
    static bool visit_member(const Tuple& members, std::size_t i, F&& f) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            bool result = false;
            (void)((i == I ? (result = f(std::get<I>(members)), true) : false) || ...);
            return result;
        }(std::make_index_sequence<std::tuple_size_v<Tuple>>{});
    }
};

// ---- writing values by the plan ----

template <byte_sink Sink>
class typed_writer {
public:
    typed_writer(const std::vector<typed_plan>& plans, Sink& out, encode_error& e) noexcept : plans_(plans), out_(out), e_(e) {}

    // Inlined down to the next record, so that a record's members are one straight run of code;
    // write_record is the call that stops it (and makes recursive types possible).
    template <class M>
    KCORO_ALWAYS_INLINE bool write(const M& v, std::uint32_t plan_index) {
        const typed_plan* p = &plans_[plan_index];
        if constexpr (is_optional<M>::value) {
            if (!v) {
                write_long(out_, p->null_branch);
                return true;
            }
            write_long(out_, p->value_branch);
            return write(*v, p->children[0]);
        } else if constexpr (is_variant<M>::value) {
            return write_variant(v, *p, std::make_index_sequence<std::variant_size_v<M>>{});
        } else {
            if (p->wrap_branch >= 0) {
                write_long(out_, p->wrap_branch);
                p = &plans_[p->children[0]];
            }
            return write_plain(v, *p);
        }
    }

private:
    template <class V, std::size_t... I>
    bool write_variant(const V& v, const typed_plan& p, std::index_sequence<I...>) {
        if (v.valueless_by_exception()) return e_.fail("the std::variant holds no value");
        bool ok = true;
        (void)((v.index() == I ? (ok = write_alternative(std::get_if<I>(&v), p, I), true) : false) || ...);
        return ok;
    }
    template <class A>
    bool write_alternative(const A* a, const typed_plan& p, std::size_t i) {
        write_long(out_, p.table[i]);
        if constexpr (std::is_same_v<A, std::monostate>) return true;
        else return write(*a, p.children[i]);
    }

    template <class M>
    KCORO_ALWAYS_INLINE bool write_plain(const M& v, const typed_plan& p) {
        const node n = p.target;
        if constexpr (std::is_same_v<M, std::monostate> || std::is_same_v<M, std::nullptr_t>) {
            return true;  // null is written as nothing
        } else if constexpr (std::is_same_v<M, bool>) {
            write_bool(out_, v);
            return true;
        } else if constexpr (std::is_integral_v<M> || std::is_floating_point_v<M>) {
            switch (p.op) {
            case write_op::to_float: write_float(out_, static_cast<float>(v)); return true;
            case write_op::to_double: write_double(out_, static_cast<double>(v)); return true;
            default:
                if constexpr (std::is_same_v<M, float>) write_float(out_, v);
                else if constexpr (std::is_same_v<M, double>) write_double(out_, v);
                else write_long(out_, static_cast<std::int64_t>(v));
                return true;
            }
        } else if constexpr (is_string_v<M>) {
            if (p.op == write_op::symbol) return write_symbol(n, v, out_, e_);
            if (p.op == write_op::uuid_text) return write_string(n, v, out_, e_);
            write_bytes(out_, v.data(), v.size());
            return true;
        } else if constexpr (is_byte_vector_v<M> || is_byte_span_v<M>) {
            return write_byte_string(n, v.data(), v.size(), out_, e_);
        } else if constexpr (is_byte_array_v<M>) {
            if (n.type() == avro::type::fixed) out_.write(v.data(), v.size());
            else write_bytes(out_, v.data(), v.size());
            return true;
        } else if constexpr (std::is_same_v<M, avro::decimal>) {
            return write_decimal(n, v, out_, e_);
        } else if constexpr (std::is_same_v<M, avro::uuid>) {
            write_uuid(n, v, out_);
            return true;
        } else if constexpr (is_sys_days_v<M>) {
            return write_date(static_cast<std::int64_t>(v.time_since_epoch().count()), out_, e_);
        } else if constexpr (is_duration<M>::value) {
            return write_time(time_count(v).first, p);
        } else if constexpr (is_sys_time<M>() || is_local_time<M>()) {
            return write_time(time_count(v.time_since_epoch()).first, p);
        } else if constexpr (mapped_enum<M>) {
            const auto value = static_cast<std::int64_t>(static_cast<std::underlying_type_t<M>>(v));
            for (std::size_t i = 0; i < p.enum_values.size(); ++i)
                if (p.enum_values[i] == value) {
                    write_long(out_, p.table[i]);
                    return true;
                }
            return e_.fail("the C++ enum value " + std::to_string(value) + " is none of the mapped enumerators");
        } else if constexpr (is_vector<M>::value || is_std_array<M>::value) {
            if (!v.empty()) write_long(out_, static_cast<std::int64_t>(v.size()));
            const std::uint32_t child = p.children[0];
            std::size_t i = 0;
            for (const auto& item : v) {
                if (!write(item, child)) return e_.in_item(i);
                ++i;
            }
            write_long(out_, 0);
            return true;
        } else if constexpr (is_string_map<M>::value) {
            if (!v.empty()) write_long(out_, static_cast<std::int64_t>(v.size()));
            const std::uint32_t child = p.children[0];
            for (const auto& [key, value] : v) {
                write_bytes(out_, key.data(), key.size());
                if (!write(value, child)) return e_.in_key(key);
            }
            write_long(out_, 0);
            return true;
        } else if constexpr (mapped_record<M>) {
            return write_record(v, p);
        } else if constexpr (std::is_same_v<M, datum>) {
            return write_datum(n, v, out_, e_);
        } else if constexpr (std::is_same_v<M, generic_record>) {
            return detail::write_record(n, v, out_, e_);
        } else {
            static_assert(always_false_v<M>, "kcoro::avro: this C++ type has no Avro mapping");
        }
    }

    // A count of the member's unit, in the schema's.
    KCORO_ALWAYS_INLINE bool write_time(std::int64_t count, const typed_plan& p) {
        std::int64_t v = count;
        if (p.time_div > 1) {
            const std::int64_t q = v / p.time_div, r = v % p.time_div;
            v = r < 0 ? q - 1 : q;
        } else if (p.time_mul > 1 && __builtin_mul_overflow(v, p.time_mul, &v)) [[unlikely]] {
            return time_overflow(p);
        }
        if (p.int_range && (v < int_min || v > int_max)) [[unlikely]]
            return e_.fail("the time of day does not fit time-millis (an int)");
        write_long(out_, v);
        return true;
    }
    [[gnu::cold]] bool time_overflow(const typed_plan& p) {
        return e_.fail("the time does not fit " + std::string(logical_type_name(p.target.logical())) + " (a long of " +
                       std::string(unit_name(unit_of(p.target.logical()))) + ")");
    }

    template <class M>
    [[gnu::noinline]] bool write_record(const M& v, const typed_plan& p) {
        const auto members = kcoro_avro_members(type_tag<M>{});
        constexpr std::size_t count = std::tuple_size_v<std::remove_cvref_t<decltype(members)>>;
        if (p.identity) {
            // Fields in the members' order: one straight line of writes.
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return ((write(v.*(std::get<I>(members).pointer), p.children[I]) || e_.in_field(p.target.field_name(I))) && ...);
            }(std::make_index_sequence<count>{});
        }
        for (std::size_t f = 0; f < p.steps.size(); ++f) {
            const std::int32_t which = p.steps[f];
            if (which < 0) {
                const bytes_view d = p.target.field_default(f);
                if (!d.empty()) out_.write(d.data(), d.size());
                continue;
            }
            const auto w = static_cast<std::size_t>(which);
            const bool ok = plan_builder::visit_member(members, w, [&](const auto& m) { return write(v.*(m.pointer), p.children[w]); });
            if (!ok) return e_.in_field(p.target.field_name(f));
        }
        return true;
    }

    const std::vector<typed_plan>& plans_;
    Sink& out_;
    encode_error& e_;
};

}  // namespace avro::detail
KCORO_NAMESPACE_END
