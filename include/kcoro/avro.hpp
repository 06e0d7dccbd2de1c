// kcoro's Avro: schemas (parsing, Parsing Canonical Form, CRC-64-AVRO fingerprints), and the
// binary encoding of every Avro type and logical type through a byte sink, for structs mapped with
// KCORO_AVRO_RECORD and for values built at run time (avro::datum, avro::generic_record); with the
// JSON reader and the HTTP/1.1 pieces the Schema Registry client builds on. Not part of
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
