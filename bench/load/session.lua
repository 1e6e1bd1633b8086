-- Session reads after writes: each connection alternates an insert for a team and a "session" read of that team's
-- rows carrying the token the insert returned, so the read must see the write (a replica that has replayed its
-- LSN, else the primary). The token is per Lua state, so run it with one connection per thread (wrk -t N -c N):
-- then every read follows its own write.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/?.lua;" .. package.path
local dt = require("datatier")

local WRITE = "insert into activity_logs (team_id, user_id, action) values (@t, @u, 'bench.session')"
local READ = "select count(*) as n, max(created_at) as latest from activity_logs where team_id = @t and action = 'bench.session'"

local teams = {}
local team = nil
local token = nil
local writing = true

function init(_)
  dt.init_random()
  teams = dt.lines("teams-all.txt")
end

function request()
  if writing then
    team = teams[math.random(#teams)]
    local body = '{"shardKey":"' .. team .. '","sql":' .. dt.quote(WRITE) ..
      ',"params":{"t":"' .. team .. '","u":' .. math.random(1, 1000000) .. "}"
    if token ~= nil then
      body = body .. ',"token":"' .. token .. '"'
    end
    return dt.post("/v1/execute", body .. "}")
  end
  return dt.post("/v1/query", '{"shardKey":"' .. team .. '","sql":' .. dt.quote(READ) ..
    ',"params":{"t":"' .. team .. '"},"consistency":"session","token":"' .. token .. '"}')
end

function response(status, _, body)
  dt.track(status, body)
  if writing then
    local t = status == 200 and body:match('"token":"([^"]+)"') or nil
    if t ~= nil then
      token = t
      writing = false
    end
  else
    writing = true
  end
end

dt.install()
