-- Cache-hit reads: a primary-key read of `teams` whose key follows a Zipf distribution over teams of shard s1
-- (hot-teams-s1.txt: "team weight" per line, hottest first; the weights are pgbench's script weights for the same
-- teams), so a few keys take most of the traffic, as hot keys do.
--   DT_CACHE  auto (default: served from DataTier's cache) or bypass
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local SQL = "select team_id, name, plan, created_at from teams where team_id = @t"

local requests = {}
local next_index = nil

function init(_)
  dt.init_random()
  local cache = dt.env("DT_CACHE", "auto")
  local weights = {}
  -- One prebuilt request per key: the load generator's hot path is a table lookup.
  for i, line in ipairs(dt.lines("hot-teams-s1.txt")) do
    local f = dt.fields(line)
    weights[i] = tonumber(f[2])
    requests[i] = dt.post("/v1/query", "{" ..
      '"shardKey":' .. dt.quote(f[1]) .. "," ..
      '"sql":' .. dt.quote(SQL) .. "," ..
      '"params":{"t":' .. dt.quote(f[1]) .. "}," ..
      '"cache":' .. dt.quote(cache) .. "}")
  end
  next_index = dt.weighted(weights)
end

function request()
  return requests[next_index()]
end

dt.install()
