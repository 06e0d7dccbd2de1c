// The Confluent wire format for Avro: magic byte 0, the schema's registry id as 4 bytes big-endian,
// then the value's Avro binary encoding. Consumers in any language (Confluent's deserializers,
// Apicurio's ccompat mode, fastavro with the registry) resolve the id and decode the value.
//
// Made once per subject, with a co_await: the registry is asked for the schema's id then (it
// registers the schema first when auto_register_schemas is set, as Confluent's serializers do by
// default), or, with use_latest_version, for the subject's latest version, whose schema is then
// the one written; and never again: every record is framed with the id it got. It is then a
// producer's key or value serializer like any other, one that may refuse a value that does not
// fit its schema (kcoro::fallible_serializer_for): that record alone fails, naming the field.
//
//   auto ser = co_await kcoro::confluent_avro_serializer<shop::order>::make(*registry,
//                  kcoro::topic_name_subject("orders", false), schema);
//   if (!ser) return ser.err();      // the registry's answer, or the mapping's first mismatch
//   auto p = producer_type::create(rt, cfg, {}, std::move(*ser));
//
//   // Schemas registered by a pipeline, the latest written:
//   auto latest = co_await kcoro::confluent_avro_serializer<shop::order>::make(*registry, "orders-value",
//                     {.use_latest_version = true});
#pragma once

#include "../avro/encoder.hpp"
#include "../avro/schema.hpp"
#include "../byte_sink.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "../runtime/task.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

struct confluent_serializer_options {
    // Register the schema under the subject (true, Confluent's default), or only look its id up
    // and fail when the subject does not hold it (false: schemas registered ahead, by a pipeline).
    bool auto_register_schemas = true;
    // Write the subject's latest version (Confluent's use.latest.version, default false): made
    // with make(registry, subject, options), with no schema of its own, the serializer reads the
    // latest version from the registry (through the client's cache, which keeps it for
    // schema_registry_config::latest_cache_ttl), checks T against that schema and frames every
    // record with its id. A made serializer keeps the version it was made with. Nothing is
    // registered: auto_register_schemas does not apply (Confluent's serializers, too, use the
    // latest version only when they do not register).
    bool use_latest_version = false;
};

// Subject names, as Confluent's subject name strategies make them.
// TopicNameStrategy (Confluent's default): "<topic>-key" or "<topic>-value".
inline std::string topic_name_subject(std::string_view topic, bool is_key) {
    return std::string(topic) + (is_key ? "-key" : "-value");
}
// RecordNameStrategy: the record's full name.
inline std::string record_name_subject(const avro::schema& s) { return std::string(s.root().name()); }
// TopicRecordNameStrategy: "<topic>-<record's full name>".
inline std::string topic_record_name_subject(std::string_view topic, const avro::schema& s) {
    return std::string(topic) + "-" + std::string(s.root().name());
}

// The 5 bytes in front of every Confluent-framed value.
inline constexpr std::size_t confluent_header_size = 5;
template <byte_sink Sink>
void write_confluent_header(std::int32_t schema_id, Sink& out) {
    const auto id = static_cast<std::uint32_t>(schema_id);
    const byte h[confluent_header_size] = {0, static_cast<byte>(id >> 24), static_cast<byte>(id >> 16), static_cast<byte>(id >> 8),
                                           static_cast<byte>(id)};
    out.write(h, sizeof h);
}

template <class T>
class confluent_avro_serializer {
public:
    // Asks the registry for the schema's id under the subject, registering it first unless told
    // not to, and checks T against the schema. `Registry` is a schema_registry_client.
    template <class Registry>
    static task<result<confluent_avro_serializer>> make(Registry& registry, std::string subject, avro::schema schema,
                                                        confluent_serializer_options options = {}) {
        if (options.use_latest_version)
            co_return error(errc::bad_config, "confluent_avro_serializer: use_latest_version writes the subject's latest schema, not one "
                                              "given: make it with make(registry, subject, options)");
        // The mapping first: a struct that does not fit the schema is a bug the registry need not hear of.
        auto enc = avro::encoder<T>::make(schema);
        if (!enc) co_return std::move(enc).err();
        auto ask = options.auto_register_schemas ? registry.register_schema(std::move(subject), std::move(schema))
                                                 : registry.lookup_schema(std::move(subject), std::move(schema));
        auto id = co_await std::move(ask);
        if (!id) co_return std::move(id).err();
        co_return confluent_avro_serializer(*id, std::move(*enc));
    }

    // With use_latest_version: asks the registry for the subject's latest version, and checks T
    // against its schema (the error says which version a member does not fit).
    template <class Registry>
    static task<result<confluent_avro_serializer>> make(Registry& registry, std::string subject, confluent_serializer_options options) {
        if (!options.use_latest_version)
            co_return error(errc::bad_config, "confluent_avro_serializer: made without a schema, it writes the subject's latest version: "
                                              "set use_latest_version");
        auto latest = co_await registry.latest_version(subject);
        if (!latest) co_return std::move(latest).err();
        const std::string which = "the latest version of subject " + subject + " (version " + std::to_string(latest->version) +
                                  ", id " + std::to_string(latest->id) + ")";
        if (latest->schema_type != "AVRO")
            co_return error(errc::schema_mismatch,
                            "confluent_avro_serializer: " + which + " is a " + latest->schema_type + " schema, not Avro");
        auto schema = avro::schema::parse(latest->schema);
        if (!schema) co_return error(schema.err().code(), "confluent_avro_serializer: " + which + ": " + schema.err().detail());
        auto enc = avro::encoder<T>::make(*schema);
        if (!enc) co_return error(enc.err().code(), which + ": " + enc.err().detail());
        co_return confluent_avro_serializer(latest->id, std::move(*enc));
    }

    // For a schema whose id is already known (read from configuration, or a registry asked elsewhere).
    static result<confluent_avro_serializer> with_id(std::int32_t schema_id, const avro::schema& schema) {
        if (schema_id < 0) return error(errc::bad_config, "confluent_avro_serializer: a schema id is never negative");
        auto enc = avro::encoder<T>::make(schema);
        if (!enc) return std::move(enc).err();
        return confluent_avro_serializer(schema_id, std::move(*enc));
    }

    template <byte_sink Sink>
    result<void> serialize(const T& value, Sink& out) const {
        write_confluent_header(id_, out);
        return encoder_.encode(value, out);
    }

    std::int32_t schema_id() const noexcept { return id_; }
    const avro::schema& schema() const noexcept { return encoder_.schema(); }

private:
    confluent_avro_serializer(std::int32_t id, avro::encoder<T> enc) noexcept : id_(id), encoder_(std::move(enc)) {}

    std::int32_t id_;
    avro::encoder<T> encoder_;
};

KCORO_NAMESPACE_END
