// kcoro's Avro: schemas (parsing, Parsing Canonical Form, CRC-64-AVRO fingerprints), and the
// binary encoding of every Avro type and logical type through a byte sink, for structs mapped with
// KCORO_AVRO_RECORD and for values built at run time (avro::datum, avro::generic_record); the
// Schema Registry client (Confluent's REST API, on the runtime's streams) and the Confluent-framed
// Avro serializer, with the JSON reader and the HTTP/1.1 pieces they build on. Not part of
// <kcoro/kcoro.hpp>: include this header where Avro is used. It depends on nothing outside the
// standard library.
#pragma once

#include "detail/prelude.hpp"
#include "json/json_reader.hpp"
#include "json/json_value.hpp"
#include "avro/type.hpp"
#include "avro/fingerprint.hpp"
#include "avro/node.hpp"
#include "avro/schema.hpp"
#include "avro/decimal.hpp"
#include "avro/uuid.hpp"
#include "avro/datum.hpp"
#include "avro/generic_record.hpp"
#include "avro/record_mapping.hpp"
#include "avro/encoder.hpp"
#include "http/http_request.hpp"
#include "http/http_response.hpp"
#include "http/http_response_parser.hpp"
#include "json/json_writer.hpp"
#include "registry/schema_registry_error.hpp"
#include "registry/schema_registry_client.hpp"
#include "registry/confluent_avro_serializer.hpp"
