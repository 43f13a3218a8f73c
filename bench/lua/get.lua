-- GET /kv/{key}, a random key of k00000..k09999 per request
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local reqs, n
function init(args) seed(); reqs = get_requests(); n = #reqs end
function request() return reqs[math.random(n)] end
