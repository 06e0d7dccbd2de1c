// What a Schema Registry answered when it refused a request, as a std::error_code of its own
// category: the value is the registry's error_code (Confluent's REST API puts one in every error
// body: 40401 subject not found, 409 incompatible, 42201 invalid schema, ...), or the HTTP status
// when the body has none. The kcoro::error that carries it says the rest in its detail: the
// request, the HTTP status and the registry's own message.
//
//   auto id = co_await registry.register_schema("orders-value", schema);
//   if (!id && id.err().code() == kcoro::schema_registry_errc::incompatible_schema) ...
#pragma once

#include "../detail/prelude.hpp"

#include <string>
#include <system_error>

KCORO_NAMESPACE_BEGIN

// The error codes of Confluent's REST API that a client acts on; any other code the registry
// sends is kept as it is, in the same category.
enum class schema_registry_errc : int {
    unauthorized = 401,
    forbidden = 403,
    not_found = 404,
    incompatible_schema = 409,
    unprocessable = 422,
    subject_not_found = 40401,
    version_not_found = 40402,
    schema_not_found = 40403,
    invalid_schema = 42201,
    invalid_version = 42202,
    invalid_compatibility_level = 42203,
    internal_error = 50001,
};

namespace detail {
class schema_registry_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "kcoro.schema_registry"; }
    std::string message(int code) const override {
        switch (static_cast<schema_registry_errc>(code)) {
        case schema_registry_errc::unauthorized: return "the schema registry refused the credentials";
        case schema_registry_errc::forbidden: return "the schema registry does not allow this request";
        case schema_registry_errc::not_found: return "the schema registry has no such resource";
        case schema_registry_errc::incompatible_schema:
            return "the schema registry refused the schema as incompatible with the subject's earlier versions";
        case schema_registry_errc::unprocessable: return "the schema registry could not process the request";
        case schema_registry_errc::subject_not_found: return "the schema registry has no such subject";
        case schema_registry_errc::version_not_found: return "the schema registry has no such version of the subject";
        case schema_registry_errc::schema_not_found: return "the schema registry has no such schema";
        case schema_registry_errc::invalid_schema: return "the schema registry refused the schema as invalid";
        case schema_registry_errc::invalid_version: return "the schema registry refused the version as invalid";
        case schema_registry_errc::invalid_compatibility_level: return "the schema registry refused the compatibility level";
        case schema_registry_errc::internal_error: return "the schema registry failed internally";
        }
        return "the schema registry refused the request (error code " + std::to_string(code) + ")";
    }
};
}  // namespace detail

inline const std::error_category& schema_registry_category() noexcept {
    static const detail::schema_registry_category_impl c;
    return c;
}

inline std::error_code make_error_code(schema_registry_errc e) noexcept { return {static_cast<int>(e), schema_registry_category()}; }

KCORO_NAMESPACE_END

template <>
struct std::is_error_code_enum<kcoro::schema_registry_errc> : std::true_type {};
