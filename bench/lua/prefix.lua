-- GET /kv?prefix=k0NN (NN random 00..99): each listing returns exactly 100 keys
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local reqs, n
function init(args) seed(); reqs = prefix_requests(); n = #reqs end
function request() return reqs[math.random(n)] end
