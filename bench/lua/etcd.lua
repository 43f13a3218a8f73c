-- Requests to etcd's v3 JSON gateway for bench/cluster: the same keys k00000..k09999 and 100-byte
-- values as the kvstore scripts, base64-encoded as the gateway wants them.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, 4 do
      local idx = math.floor(n / 64 ^ (4 - j)) % 64
      out[#out + 1] = j <= chars and B64:sub(idx + 1, idx + 1) or "="
    end
  end
  return table.concat(out)
end

local VALUE64 = base64(VALUE)

function etcd_put_requests()
  local t = {}
  for i = 0, NKEYS - 1 do
    t[#t + 1] = wrk.format("POST", "/v3/kv/put", JSON_HDR,
      '{"key":"' .. base64(key(i)) .. '","value":"' .. VALUE64 .. '"}')
  end
  return t
end

-- A range read of one key: linearizable unless "serializable" is set, which it is not.
function etcd_get_requests()
  local t = {}
  for i = 0, NKEYS - 1 do
    t[#t + 1] = wrk.format("POST", "/v3/kv/range", JSON_HDR, '{"key":"' .. base64(key(i)) .. '"}')
  end
  return t
end
