-- wrk script: POST /api/v1/appointments, each request by the next resident of the file.
-- args: <file of "card_id token" lines> <slot id> [<path>]. Thread n takes lines n, n+threads, ...
-- <path> (default /api/v1/appointments) sends the same requests elsewhere (the outside baseline).
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  people = {}
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if n % 2 == id - 1 then
      local card, token = line:match("(%S+) (%S+)")
      people[#people + 1] = {card, token}
    end
  end
  slot = args[2]
  path = args[3] or "/api/v1/appointments"
  i = 0
end

function request()
  i = i + 1
  local p = people[((i - 1) % #people) + 1]
  local body = '{"card_id":"' .. p[1] .. '","slot_id":' .. slot .. '}'
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. p[2]}, body)
end
