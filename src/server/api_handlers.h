#pragma once
// The REST API over the query layer, independent of the network: a request target in, a
// status + JSON body out. HttpServer calls it for GET /api/v1/*; tests call it directly.
//
// Contract:
//  - Every parameter is parsed and validated here; bad input gets 400 with an RFC 7807
//    problem body ({"type","title","status","detail","param"}) naming the parameter.
//    Unknown parameters are refused too (a typo should not silently widen a query).
//  - Errors the store returns for a validated request (a filter its rollups cannot
//    honour, a bad cursor, too many points) are 400 as well, with the store's message.
//  - Every value reaches the store as a typed field; no SQL is built here.
//  - Not thread-safe per store: the caller passes a FlowStore only this call uses.

#include <string>
#include <string_view>

#include "store/flow_store.h"

namespace flowlens::server {

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// `target` is the request target without the leading host ("/api/v1/top?limit=5").
// Returns 404 for unknown API paths. `token` parameters are ignored here (auth is done
// by the caller).
ApiResponse handle_api(std::string_view target, store::FlowStore& store);

// A problem+json response: 400 etc. `param` may be empty.
ApiResponse problem(unsigned status, std::string_view title, std::string_view detail,
                    std::string_view param = {});

// The OpenAPI 3 document served at /api/v1/openapi.json.
std::string_view openapi_document();

}  // namespace flowlens::server
