-- The middleware pipeline's cost: GET /health/live, which does nothing but answer, through every middleware DataTier
-- runs (errors, status pages, metrics, authentication, authorization). bench/run compares it with the bare-Kestrel
-- reference (bench/DataTier.HttpCeiling, hot_read.lua's body) in the same run.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local request_bytes = nil

function init(_)
  request_bytes = wrk.format("GET", "/health/live")
end

function request()
  return request_bytes
end

dt.install()
