-- wrk script: POST /api/v1/pos/verify with a different single-use payload on every request.
-- args: <payload file> <terminal token> [<path> [once]]. Thread n takes lines n, n+threads, ...
-- so no payload is sent twice (a second send would be a replay, answered 409). <path> (default
-- /api/v1/pos/verify) sends the same bodies elsewhere (the outside baselines); with "once" a
-- thread stops when each of its payloads has been answered, and writes <payload file>.<n>.done.
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
  file = args[1]
  token = args[2]
  path = args[3] or "/api/v1/pos/verify"
  once = args[4] == "once"
  i = 0
  answered = 0
end

function response(status, headers, body)
  answered = answered + 1
  if once and answered == #payloads then
    io.open(file .. "." .. id .. ".done", "w"):close()
    wrk.thread:stop()
  end
end

function request()
  i = i + 1
  local p = payloads[((i - 1) % #payloads) + 1]
  local body = '{"qr":"' .. p .. '","scene":"registration"}'
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
