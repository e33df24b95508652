-- Signed Polar events: one line of BENCH_EVENTS_FILE per request ("<hex signature> <json body>"),
-- each thread taking its own slice; a thread past its slice starts over (the repeats answer "duplicate").
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local events = {}
for line in io.lines(os.getenv("BENCH_EVENTS_FILE")) do
  local signature, body = line:match("^(%x+) (.*)$")
  events[#events + 1] = { signature, body }
end
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
local counter = 0
function setup(thread) thread:set("me", counter); counter = counter + 1 end
local i = 0
local path = os.getenv("BENCH_PATH")
function request()
  local n = (i * threads + (me or 0)) % #events + 1
  i = i + 1
  local e = events[n]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Polar-Webhook-Event"] = "EXERCISE",
    ["Polar-Webhook-Signature"] = e[1],
  }, e[2])
end
