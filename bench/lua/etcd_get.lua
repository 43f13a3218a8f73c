-- etcd: linearizable POST /v3/kv/range of a random key of k00000..k09999
dofile(os.getenv("BENCH_LUA_DIR") .. "/etcd.lua")
local reqs, n
function init(args) seed(); reqs = etcd_get_requests(); n = #reqs end
function request() return reqs[math.random(n)] end
