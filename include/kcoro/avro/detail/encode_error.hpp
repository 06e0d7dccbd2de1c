// How an encoder reports a value that does not fit its schema: the innermost writer says what is
// wrong, and each enclosing record, array and map adds its step of the path on the way out, so
// that building the message costs nothing while values fit.
#pragma once

#include "../../detail/prelude.hpp"
#include "../../error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

struct encode_error {
    std::string message;
    std::vector<std::string> path;  // innermost step first

    bool fail(std::string m) {
        message = std::move(m);
        return false;
    }
    bool in_field(std::string_view name) {
        path.push_back("." + std::string(name));
        return false;
    }
    bool in_item(std::size_t i) {
        path.push_back("[" + std::to_string(i) + "]");
        return false;
    }
    bool in_key(std::string_view key) {
        path.push_back("[\"" + std::string(key) + "\"]");
        return false;
    }

    // "avro: com.example.Order.lines[2].price: <message>"
    error to_error(errc code, std::string_view root) const {
        std::string m = "avro: ";
        m += root;
        for (std::size_t i = path.size(); i-- > 0;) m += path[i];
        m += ": ";
        m += message;
        return error(code, std::move(m));
    }
};

}  // namespace avro::detail
KCORO_NAMESPACE_END
