-- Each request is a fresh callback: one line of BENCH_STATES_FILE per request (a state used twice is a 401).
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local states, i = {}, 0
for line in io.lines(os.getenv("BENCH_STATES_FILE")) do states[#states + 1] = line end
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
-- setup() runs in the main Lua state once per thread: give each thread its own slice of states.
local counter = 0
function setup(thread) thread:set("me", counter); counter = counter + 1 end
local provider = os.getenv("BENCH_PROVIDER") or "strava"
function request()
  i = i + 1
  local n = (i - 1) * threads + (me or 0) + 1
  local state = states[n] or "exhausted"
  return wrk.format("GET", "/v1/wearables/" .. provider .. "/callback?code=bench-" .. n .. "&state=" .. state)
end
