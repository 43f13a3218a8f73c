-- POST /kv/batch with 10 sets of random keys (100-byte values); 1000 pre-built bodies per thread
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local reqs, n
function init(args) seed(); reqs = batch_requests(1000, tonumber(os.getenv("BENCH_BATCH_SIZE") or "10")); n = #reqs end
function request() return reqs[math.random(n)] end
