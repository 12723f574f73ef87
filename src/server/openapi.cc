// The OpenAPI 3 document of the REST API, written by hand beside api_handlers.cc: keep
// the two in step (tests/api_handlers_test.cc checks that every path is listed).

#include "server/api_handlers.h"

namespace flowlens::server {

std::string_view openapi_document() {
  static constexpr std::string_view kDocument = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "Flowlens API",
    "version": "1.0.0",
    "description": "Traffic analytics over the flow store. Times are ISO-8601 UTC (2026-01-01, 2026-01-01T10:00:00Z) or epoch seconds (1767225600 or @1767225600); ranges are half-open [from, to). Without from/to, the range covers the stored data in whole UTC days. Invalid input gets 400 with an RFC 7807 problem body whose 'param' names the parameter. With an auth token configured, send 'Authorization: Bearer TOKEN' or '?token=TOKEN'."
  },
  "servers": [{"url": "/"}],
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer"},
      "query": {"type": "apiKey", "in": "query", "name": "token"}
    },
    "parameters": {
      "from": {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "Start (inclusive)"},
      "to": {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "End (exclusive), after from"},
      "proto": {"name": "proto", "in": "query", "schema": {"type": "string"}, "description": "tcp, udp, icmp, icmpv6, gre, esp, sctp or 0-255"},
      "host": {"name": "host", "in": "query", "schema": {"type": "string"}, "description": "Source or destination address"},
      "src_host": {"name": "src_host", "in": "query", "schema": {"type": "string"}},
      "dst_host": {"name": "dst_host", "in": "query", "schema": {"type": "string"}},
      "port": {"name": "port", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 65535}, "description": "On rollups: the service port; on raw flows: source or destination port"},
      "direction": {"name": "direction", "in": "query", "schema": {"type": "string", "enum": ["in", "out", "local", "transit"]}},
      "metric": {"name": "metric", "in": "query", "schema": {"type": "string", "enum": ["bytes", "packets", "flows"], "default": "bytes"}}
    },
    "schemas": {
      "Counters": {"type": "object", "properties": {"bytes": {"type": "integer"}, "packets": {"type": "integer"}, "flows": {"type": "integer"}}},
      "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}, "param": {"type": "string"}}}
    },
    "responses": {
      "Problem": {"description": "Invalid parameter", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unauthorized": {"description": "Token missing or wrong", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    }
  },
  "security": [{}, {"bearer": []}, {"query": []}],
  "paths": {
    "/api/v1/timeseries": {
      "get": {
        "summary": "Bytes, packets and flows per step (Real Time Access Trend)",
        "parameters": [
          {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"},
          {"name": "step", "in": "query", "schema": {"type": "string"}, "description": "Multiple of the window (10s, 1m, 1h, 1d); default: about 100-200 points"},
          {"$ref": "#/components/parameters/metric"},
          {"name": "group_by", "in": "query", "schema": {"type": "string", "enum": ["none", "proto", "direction", "port"]}},
          {"$ref": "#/components/parameters/proto"}, {"$ref": "#/components/parameters/host"},
          {"$ref": "#/components/parameters/src_host"}, {"$ref": "#/components/parameters/dst_host"},
          {"$ref": "#/components/parameters/port"}, {"$ref": "#/components/parameters/direction"}
        ],
        "responses": {
          "200": {"description": "One series per group; every step present (zeros when empty)", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "from": {"type": "string"}, "from_ns": {"type": "integer"}, "to_ns": {"type": "integer"}, "step_s": {"type": "integer"}, "step_ns": {"type": "integer"},
            "metric": {"type": "string"}, "resolution": {"type": "string"},
            "series": {"type": "array", "items": {"type": "object", "properties": {"group": {"type": "string"}, "points": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Counters"}, {"type": "object", "properties": {"time": {"type": "string"}, "time_ns": {"type": "integer"}}}]}}}}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/hosts/{ip}/daily": {
      "get": {
        "summary": "Per UTC day inbound (host is destination) and outbound (host is source) bytes and packets (Date Access Trend)",
        "parameters": [
          {"name": "ip", "in": "path", "required": true, "schema": {"type": "string"}},
          {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}
        ],
        "responses": {
          "200": {"description": "Every day of the range (zeros when empty)", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "host": {"type": "string"},
            "days": {"type": "array", "items": {"type": "object", "properties": {"day": {"type": "string"}, "day_ns": {"type": "integer"}, "in_bytes": {"type": "integer"}, "in_packets": {"type": "integer"}, "out_bytes": {"type": "integer"}, "out_packets": {"type": "integer"}}}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/top": {
      "get": {
        "summary": "Largest groups of one dimension",
        "parameters": [
          {"name": "dimension", "in": "query", "schema": {"type": "string", "enum": ["src-host", "dst-host", "proto", "port", "src-port", "dst-port"], "default": "src-host"}},
          {"$ref": "#/components/parameters/metric"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}},
          {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"},
          {"$ref": "#/components/parameters/proto"}, {"$ref": "#/components/parameters/host"},
          {"$ref": "#/components/parameters/src_host"}, {"$ref": "#/components/parameters/dst_host"},
          {"$ref": "#/components/parameters/port"}, {"$ref": "#/components/parameters/direction"}
        ],
        "responses": {
          "200": {"description": "Entries by metric descending, ties by key", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "dimension": {"type": "string"}, "metric": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "exact": {"type": "boolean"},
            "entries": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Counters"}, {"type": "object", "properties": {"key": {"type": "string"}}}]}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/flows": {
      "get": {
        "summary": "Raw flow records, filtered, sorted, paged by cursor",
        "parameters": [
          {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"},
          {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["start", "-start", "bytes", "packets"], "default": "start"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
          {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the previous page"},
          {"$ref": "#/components/parameters/proto"}, {"$ref": "#/components/parameters/host"},
          {"$ref": "#/components/parameters/src_host"}, {"$ref": "#/components/parameters/dst_host"},
          {"$ref": "#/components/parameters/port"}, {"$ref": "#/components/parameters/direction"}
        ],
        "responses": {
          "200": {"description": "One page; next_cursor is empty on the last page", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "next_cursor": {"type": "string"},
            "flows": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Counters"}, {"type": "object", "properties": {
              "start": {"type": "string"}, "start_ns": {"type": "integer"}, "end_ns": {"type": "integer"}, "src": {"type": "string"}, "dst": {"type": "string"},
              "src_port": {"type": "integer"}, "dst_port": {"type": "integer"}, "proto": {"type": "string"}, "ip_proto": {"type": "integer"}, "direction": {"type": "string"}}}]}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/hosts": {
      "get": {
        "summary": "Local hosts by total bytes (in + out)",
        "parameters": [
          {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}
        ],
        "responses": {
          "200": {"description": "Hosts", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "hosts": {"type": "array", "items": {"type": "object", "properties": {"host": {"type": "string"}, "in_bytes": {"type": "integer"}, "out_bytes": {"type": "integer"}}}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/summary": {
      "get": {
        "summary": "Totals over a range and the stored data's extent",
        "parameters": [{"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
        "responses": {
          "200": {"description": "Totals", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Counters"}, {"type": "object", "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, "stored_flows": {"type": "integer"}, "first": {"type": "string"}, "last": {"type": "string"},
            "first_ns": {"type": "integer"}, "last_ns": {"type": "integer"}, "window_s": {"type": "integer"}}}]}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/live": {
      "get": {
        "summary": "WebSocket: one JSON message per closed window (process::to_json). Send {\"protocol\":\"tcp\"} or {\"host\":\"10.1.0.10\"} to narrow it; {} for everything. Slow clients lose the oldest queued windows (queue of 64).",
        "responses": {"101": {"description": "Switching protocols"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Origin not allowed"}}
      }
    },
    "/api/v1/exporters": {
      "get": {
        "summary": "Flow exporter health from this process's collector (flowlens run --collect): per exporter datagrams by protocol, records, templates, held/dropped data sets, sampling announced/overridden, clock skew, decode errors by reason, sFlow interface counters; totals with kernel drops. {\"collecting\": false} when the process does not collect. No parameters.",
        "responses": {
          "200": {"description": "Collector state (see collect/exporter_json.h)", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "collecting": {"type": "boolean"}, "listeners": {"type": "array", "items": {"type": "string"}}, "workers": {"type": "integer"},
            "receive_buffer_bytes": {"type": "integer"}, "totals": {"type": "object"}, "exporters": {"type": "array", "items": {"type": "object"}}}}}}},
          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"description": "This server has no collector state"}
        }
      }
    },
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
    "/healthz": {"get": {"summary": "Liveness (no auth)", "security": [{}], "responses": {"200": {"description": "{\"status\":\"ok\"}"}}}},
    "/metrics": {"get": {"summary": "Prometheus text exposition", "responses": {"200": {"description": "text/plain; version=0.0.4"}}}}
  }
})json";
  return kDocument;
}

}  // namespace flowlens::server
