-- wrk script: bad sign-ins, each one evaluated (nothing locked yet).
-- args: admin                 -> POST /api/v1/admin/sessions as a new unknown username each time
--       sm2 <client_id>       -> POST /api/v1/auth/token with a wrong SM2 signature, fresh nonce
local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("tno", thread_no)
end

function init(args)
  mode, client = args[1], args[2]
  i = 0
end

function request()
  i = i + 1
  local tag = tno .. "-" .. i .. "-" .. math.random(1, 1000000000)
  local headers = {["Content-Type"] = "application/json"}
  if mode == "sm2" then
    local body = '{"client_id":"' .. client .. '","timestamp":"' .. os.time() ..
      '","nonce":"n' .. tag .. '","signature_type":"SM2","signature":"' ..
      string.rep("1", 128) .. '"}'
    return wrk.format("POST", "/api/v1/auth/token", headers, body)
  end
  local body = '{"username":"flood-' .. tag .. '","password":"wrong","totp":"123456"}'
  return wrk.format("POST", "/api/v1/admin/sessions", headers, body)
end
