-- etcd: POST /v3/kv/put of a random key of k00000..k09999 with a 100-byte value
dofile(os.getenv("BENCH_LUA_DIR") .. "/etcd.lua")
local reqs, n
function init(args) seed(); reqs = etcd_put_requests(); n = #reqs end
function request() return reqs[math.random(n)] end
