-- Point reads by primary key: one `activity_logs` row by (team_id, log_id), keys drawn uniformly from the demo rows
-- of the compared teams of shard s1 (point-keys-s1.txt: "team_id log_id" per line, 20,000 keys by default), the
-- same keys pgbench's point-read scripts derive. Uniform keys keep a cached run mostly missing.
--   DT_CACHE  bypass (default: every read goes to a replica) or auto
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local SQL = "select log_id, user_id, action, created_at from activity_logs where team_id = @t and log_id = @id"

local teams, ids = {}, {}
local prefix, middle, suffix

function init(_)
  dt.init_random()
  for i, line in ipairs(dt.lines("point-keys-s1.txt")) do
    local f = dt.fields(line)
    teams[i], ids[i] = f[1], f[2]
  end
  prefix = '{"shardKey":"'
  middle = '","sql":' .. dt.quote(SQL) .. ',"params":{"t":"'
  suffix = '}},"cache":' .. dt.quote(dt.env("DT_CACHE", "bypass")) .. "}"
end

function request()
  local i = math.random(#teams)
  local team = teams[i]
  return dt.post("/v1/query", prefix .. team .. middle .. team .. '","id":{"value":"' .. ids[i] .. '","type":"uuid"' .. suffix)
end

dt.install()
