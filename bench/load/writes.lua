-- Writes: one activity_logs insert for a random team of any shard (teams-all.txt), each committed on its shard's
-- primary and followed by DataTier's cache invalidation (a Redis script) before it is answered.
--   DT_TEAMS  the key file to draw teams from (default teams-all.txt; teams-s1.txt: the comparison teams of shard
--             s1, the ones pgbench's write scripts insert for, straight to that shard's primary)
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local SQL = "insert into activity_logs (team_id, user_id, action, details) values (@t, @u, 'bench.write', @d)"

local teams = {}
local counter = 0
local prefix, middle

function init(_)
  dt.init_random()
  teams = dt.lines(dt.env("DT_TEAMS", "teams-all.txt"))
  prefix = '{"shardKey":"'
  middle = '","sql":' .. dt.quote(SQL) .. ',"params":{"t":"'
end

function request()
  counter = counter + 1
  local team = teams[math.random(#teams)]
  return dt.post("/v1/execute", prefix .. team .. middle .. team .. '","u":' .. math.random(1, 1000000) ..
    ',"d":{"value":"{\\"thread\\":' .. (thread_id or 1) .. ',\\"n\\":' .. counter .. '}","type":"jsonb"}}}')
end

dt.install()
