-- GET a path with an API key: BENCH_PATH, BENCH_KEY; BENCH_DELAY_MS paces each connection.
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
wrk.path = os.getenv("BENCH_PATH")
if os.getenv("BENCH_KEY") then wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY") end
pace()
