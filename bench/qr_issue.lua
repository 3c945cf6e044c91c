-- wrk script: GET the resident's card's dynamic code (the URL wrk is given) again and again and
-- write each payload handed out to <prefix>.<thread>, one a line; a thread stops after <count>
-- and says so in <prefix>.<thread>.done (wrk sits out its duration: the bench stops it then).
-- args: <output prefix> <count per thread>
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  prefix = args[1] .. "." .. id
  out = io.open(prefix, "w")
  left = tonumber(args[2])
end

function response(status, headers, body)
  if left <= 0 then return end
  local payload = status == 200 and body:match('"payload":"([^"]+)"')
  if payload then
    out:write(payload, "\n")
    left = left - 1
    if left == 0 then
      out:close()
      io.open(prefix .. ".done", "w"):close()
      wrk.thread:stop()
    end
  end
end
