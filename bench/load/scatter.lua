-- Scatter reads: the latest activity of five random teams (teams-all.txt), fanned out to every shard, each shard's
-- top 10 by created_at merged by DataTier (orderBy + limit). Scatter reads are never cached.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local SQL = "select team_id, log_id, action, created_at from activity_logs where team_id = any(@teams)"

local teams = {}
local prefix, suffix

function init(_)
  dt.init_random()
  teams = dt.lines("teams-all.txt")
  prefix = '{"sql":' .. dt.quote(SQL) .. ',"params":{"teams":['
  suffix = ']},"orderBy":[{"column":"created_at","descending":true}],"limit":10}'
end

function request()
  local picked = {}
  for i = 1, 5 do
    picked[i] = '"' .. teams[math.random(#teams)] .. '"'
  end
  return dt.post("/v1/scatter", prefix .. table.concat(picked, ",") .. suffix)
end

dt.install()
