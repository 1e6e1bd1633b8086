-- A heavy aggregate: every activity_logs row of shard s1 grouped by action, with a distinct count and the size of
-- every row's details as text (a full scan of ~100,000 rows: about 100 ms of one core). Four values of @min (all below every user_id) make four cache entries;
-- pgbench's aggregate.sql draws from the same four.
--   DT_CACHE  auto (default) or bypass
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local SQL = "select action, count(*) as n, count(distinct user_id) as users, sum(length(details::text)) as detail_bytes " ..
  "from activity_logs where user_id > @min group by action order by n desc"

local requests = {}

function init(_)
  dt.init_random()
  -- Any key of shard s1 routes the statement there.
  local shard_key = dt.fields(dt.lines("hot-teams-s1.txt")[1])[1]
  local cache = dt.env("DT_CACHE", "auto")
  for i = 1, 4 do
    requests[i] = dt.post("/v1/query", "{" ..
      '"shardKey":' .. dt.quote(shard_key) .. "," ..
      '"sql":' .. dt.quote(SQL) .. "," ..
      '"params":{"min":' .. (i - 1) .. "}," ..
      '"timeoutMs":30000,' ..
      '"cache":' .. dt.quote(cache) .. "}")
  end
end

function request()
  return requests[math.random(4)]
end

dt.install()
