-- wrk script: POST /api/v1/pos/verify with a different single-use payload on every request.
-- args: <payload file> <terminal token>. Thread n takes lines n, n+threads, ... so no payload
-- is sent twice (a second send would be a replay, answered 409).
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  payloads = {}
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if n % 2 == id - 1 then payloads[#payloads + 1] = line end
  end
  token = args[2]
  i = 0
end

function request()
  i = i + 1
  local p = payloads[((i - 1) % #payloads) + 1]
  local body = '{"qr":"' .. p .. '","scene":"registration"}'
  return wrk.format("POST", "/api/v1/pos/verify",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
