-- Each request is a fresh callback: one line of BENCH_STATES_FILE per request (a state used twice is a 401).
-- The service's Server-Timing header (Wearables:Diagnostics:ServerTiming) splits each successful
-- callback into the provider's time and our own (total - provider); done() prints both, and the
-- stores' time, as RESULT lines of their own: RESULT <name> - <p50> <p99> - - <mean> <samples>.
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local states, i = {}, 0
for line in io.lines(os.getenv("BENCH_STATES_FILE")) do states[#states + 1] = line end
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
-- setup() runs in the main Lua state once per thread: give each thread its own slice of states.
local counter, all = 0, {}
function setup(thread) thread:set("me", counter); counter = counter + 1; all[#all + 1] = thread end
local provider = os.getenv("BENCH_PROVIDER") or "strava"
function request()
  i = i + 1
  local n = (i - 1) * threads + (me or 0) + 1
  local state = states[n] or "exhausted"
  return wrk.format("GET", "/v1/wearables/" .. provider .. "/callback?code=bench-" .. n .. "&state=" .. state)
end

-- Per thread (each has its own Lua state): milliseconds per successful callback.
own, upstream, store = {}, {}, {}
function response(status, headers, body)
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if status >= 400 or not timing then return end
  local t = {}
  for name, dur in timing:gmatch("([%w_-]+);dur=([%d.]+)") do t[name] = tonumber(dur) end
  if t.total and t.provider then
    own[#own + 1] = t.total - t.provider
    upstream[#upstream + 1] = t.provider
    store[#store + 1] = t.store or 0
  end
end

local function summary(name, key)
  local v, sum = {}, 0
  for _, thread in ipairs(all) do
    for _, x in ipairs(thread:get(key) or {}) do v[#v + 1] = x; sum = sum + x end
  end
  if #v == 0 then return end
  table.sort(v)
  local function at(p) return v[math.max(1, math.ceil(#v * p / 100))] end
  io.write(string.format("RESULT %s - %.2f %.2f - - %.2f %d\n", name, at(50), at(99), sum / #v, #v))
end

local report = done
function done(s, latency, requests)
  report(s, latency, requests)
  local name = os.getenv("BENCH_NAME") or "run"
  summary(name .. "_own", "own")
  summary(name .. "_provider", "upstream")
  summary(name .. "_store", "store")
end
