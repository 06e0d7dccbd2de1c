// avro::encoder<T>: writes values of T in Avro's binary encoding, straight into a kcoro byte sink
// (and so straight into a record batch). Made once per schema, then used for every value:
//
//   auto enc = kcoro::avro::encoder<shop::order>::make(schema);   // checks the mapping
//   if (!enc) log(enc.err().message());  // schema_mismatch: "avro: shop.Order.note: the C++ member is ..."
//   auto r = enc->encode(order, sink);   // serialization_failed: "avro: shop.Order.lines[2].price: ..."
//
// T is a struct mapped with KCORO_AVRO_RECORD (or any type record_mapping.hpp lists), or
// avro::datum / avro::generic_record for values built at run time. A value that does not fit
// fails with an error naming its path; the sink may then hold the first part of the value's
// bytes, which the caller discards. Encoding never aborts and never throws.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "../byte_sink.hpp"
#include "datum.hpp"
#include "detail/encode_error.hpp"
#include "detail/generic_writer.hpp"
#include "detail/staging_sink.hpp"
#include "detail/typed_writer.hpp"
#include "generic_record.hpp"
#include "node.hpp"
#include "schema.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro {

template <class T>
class encoder {
public:
    // Checks T against the schema's root type; the error names the first member that does not match.
    static result<encoder> make(const avro::schema& s) {
        auto state = std::make_shared<shared_state>(s);
        if constexpr (std::is_same_v<T, generic_record>) {
            if (s.root().type() != avro::type::record)
                return error(errc::schema_mismatch, "avro: a generic_record is written as a record; the schema is a " +
                                                        std::string(type_name(s.root().type())));
        } else if constexpr (!std::is_same_v<T, datum>) {
            detail::plan_builder b;
            if (!b.check<T>(s.root(), state->root_plan)) return b.error.to_error(errc::schema_mismatch, state->root_label);
            state->plans = std::move(b.plans);
        }
        return encoder(std::move(state));
    }

    template <byte_sink Sink>
    result<void> encode(const T& value, Sink& out) const {
        detail::encode_error e;
        detail::staging_sink<Sink> staged(out);
        bool ok = false;
        if constexpr (std::is_same_v<T, datum>) {
            ok = detail::write_datum(s_->schema.root(), value, staged, e);
        } else if constexpr (std::is_same_v<T, generic_record>) {
            ok = detail::write_record(s_->schema.root(), value, staged, e);
        } else {
            ok = detail::typed_writer<detail::staging_sink<Sink>>(s_->plans, staged, e).write(value, s_->root_plan);
        }
        staged.flush();
        if (ok) [[likely]]
            return ok_result();
        return e.to_error(errc::serialization_failed, s_->root_label);
    }

    const avro::schema& schema() const noexcept { return s_->schema; }

private:
    struct shared_state {
        explicit shared_state(const avro::schema& sc)
            : schema(sc), root_label(sc.root().name().empty() ? std::string(type_name(sc.root().type())) : std::string(sc.root().name())) {}
        avro::schema schema;
        std::string root_label;  // how paths in messages begin
        std::vector<detail::typed_plan> plans;
        std::uint32_t root_plan = 0;
    };

    static result<void> ok_result() noexcept { return {}; }

    explicit encoder(std::shared_ptr<const shared_state> s) noexcept : s_(std::move(s)) {}

    std::shared_ptr<const shared_state> s_;
};

}  // namespace avro
KCORO_NAMESPACE_END
