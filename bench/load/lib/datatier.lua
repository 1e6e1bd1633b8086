-- Shared by the wrk scripts in bench/load: settings from the environment, request building, key files, a Zipf
-- sampler, and the one-line JSON summary that done() prints for bench/DataTier.LoadReport (and the smoke test).
--
-- Every script reads:
--   DT_API_KEY      API key sent as "Authorization: Bearer ..." (required)
--   DT_DATA_DIR     directory holding the key files written by `DataTier.LoadReport prepare` (hot-teams-s1.txt, ...)
--   DT_SEED         base of the per-thread random seed (default 1); the same seed gives the same key sequence
--   DT_TRACK_STATUS "1" adds a response() hook that counts statuses and keeps the first error body (smoke runs);
--                   off by default because a response hook makes wrk hand every body to Lua, which costs CPU
--                   that the server under test shares on a small machine.
--
-- wrk itself counts socket errors (connect, read, write), timeouts and every status above 399 (errors.status),
-- so the summary needs no response hook to report failures.

local M = {}

local summary_prefix = "DATATIER_WRK "

function M.env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return default
  end
  return value
end

function M.required(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set; bench/run and the smoke test set it (see bench/load/README.md)")
  end
  return value
end

function M.number(name, default)
  local value = M.env(name, nil)
  if value == nil then
    return default
  end
  local n = tonumber(value)
  if n == nil then
    error(name .. " must be a number, not '" .. value .. "'")
  end
  return n
end

-- A JSON string literal. Keys, SQL and tokens here are ASCII; control characters are escaped all the same.
function M.quote(s)
  s = tostring(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local headers = nil

-- A POST of a JSON body with the API key.
function M.post(path, body)
  if headers == nil then
    headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. M.required("DT_API_KEY"),
    }
  end
  return wrk.format("POST", path, headers, body)
end

-- Lines of a key file in DT_DATA_DIR, in file order; fails with the path when it is missing or empty.
function M.lines(file)
  local path = M.required("DT_DATA_DIR") .. "/" .. file
  local handle = io.open(path, "r")
  if handle == nil then
    error("cannot read " .. path .. "; run `DataTier.LoadReport prepare` first (bench/run does)")
  end
  local lines = {}
  for line in handle:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  handle:close()
  if #lines == 0 then
    error(path .. " is empty")
  end
  return lines
end

-- Each line split on single spaces.
function M.fields(line)
  local out = {}
  for part in line:gmatch("[^ ]+") do
    out[#out + 1] = part
  end
  return out
end

-- A sampler of indexes 1..#weights with P(i) proportional to weights[i]: cumulative weights, then a binary search.
-- The weights come from the key file, where they are the same integers pgbench uses as script weights (-f file@w),
-- so wrk and pgbench draw the same keys with the same frequencies.
function M.weighted(weights)
  local cumulative = {}
  local total = 0
  for i, w in ipairs(weights) do
    total = total + w
    cumulative[i] = total
  end
  local n = #weights
  return function()
    local u = math.random() * total
    local lo, hi = 1, n
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if cumulative[mid] < u then
        lo = mid + 1
      else
        hi = mid
      end
    end
    return lo
  end
end

-- Threads, numbered from 1 in the order wrk creates them; their ids seed their random sequences.
local threads = {}

function M.setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_id", #threads)
end

function M.init_random()
  local id = thread_id or 1
  math.randomseed(M.number("DT_SEED", 1) * 7919 + id)
end

-- Status counting for smoke runs (DT_TRACK_STATUS=1).
statuses = {}
first_error = nil

local function track(status, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status > 399 and first_error == nil then
    first_error = key .. " " .. string.sub(body or "", 1, 400)
  end
end

function M.tracking()
  return M.env("DT_TRACK_STATUS", "0") == "1"
end

-- For scripts with their own response(): counts the status as well when tracking is on.
function M.track(status, body)
  if M.tracking() then
    track(status, body)
  end
end

-- Installs response() when tracking is on and the script has no response() of its own.
function M.install_tracking()
  if M.tracking() and response == nil then
    response = function(status, _, body)
      track(status, body)
    end
  end
end

-- Percentiles reported: every whole percent, then finer steps into the tail. bench/DataTier.LoadReport merges the
-- tables of several wrk processes (the spike scenario) through them, so the tail is sampled densely.
local function percentile_points()
  local points = { 0.1, 0.5 }
  for p = 1, 99 do points[#points + 1] = p end
  for i = 1, 9 do points[#points + 1] = 99 + i / 10 end
  for i = 1, 9 do points[#points + 1] = 99.9 + i / 100 end
  for i = 1, 9 do points[#points + 1] = 99.99 + i / 1000 end
  points[#points + 1] = 100
  return points
end

-- done(): one line "DATATIER_WRK {json}" on stdout. Latencies in microseconds, as wrk hands them to done(): after its
-- coordinated-omission correction (stats_correct: with I the mean interval between one connection's requests, every
-- latency L >= 2I also counts L-I, L-2I, ... down to I), which the mean and stdev include too.
function M.done(summary, latency, _)
  local parts = {}
  for _, p in ipairs(percentile_points()) do
    parts[#parts + 1] = string.format("[%s,%d]", tostring(p), latency:percentile(p))
  end

  local status_parts = {}
  local merged = {}
  local error_body = nil
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if counts ~= nil then
      for status, n in pairs(counts) do
        merged[status] = (merged[status] or 0) + n
      end
    end
    if error_body == nil then
      error_body = thread:get("first_error")
    end
  end
  for status, n in pairs(merged) do
    status_parts[#status_parts + 1] = M.quote(status) .. ":" .. string.format("%d", n)
  end

  local e = summary.errors
  io.write(summary_prefix, "{",
    '"requests":', string.format("%d", summary.requests), ",",
    '"durationUs":', string.format("%d", summary.duration), ",",
    '"bytes":', string.format("%d", summary.bytes), ",",
    '"errors":{',
      '"connect":', string.format("%d", e.connect), ",",
      '"read":', string.format("%d", e.read), ",",
      '"write":', string.format("%d", e.write), ",",
      '"status":', string.format("%d", e.status), ",",
      '"timeout":', string.format("%d", e.timeout), "},",
    '"latencyUs":{',
      '"min":', string.format("%d", latency.min), ",",
      '"max":', string.format("%d", latency.max), ",",
      '"mean":', string.format("%.1f", latency.mean), ",",
      '"stdev":', string.format("%.1f", latency.stdev), "},",
    '"percentiles":[', table.concat(parts, ","), "],",
    '"statuses":{', table.concat(status_parts, ","), "},",
    '"firstError":', error_body == nil and "null" or M.quote(error_body),
    "}\n")
end

-- Wires the global hooks wrk looks for; scripts define request() (and response() when they need one).
function M.install()
  setup = M.setup
  done = M.done
  M.install_tracking()
end

return M
