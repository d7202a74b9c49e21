-- POST requests, each with its own JSON body (one a line in the file given as the first
-- argument: a distinct free slot each); a thread takes every n-th body (n: the second
-- argument, the number of threads) and stops when it has sent its share.
local bodies = {}
local sent, answered = 0, 0

init = function(args)
  local stride = tonumber(args[2] or "1")
  local index = 0
  for line in io.lines(args[1]) do
    if #line > 0 then
      if index % stride == ((id or 1) - 1) then table.insert(bodies, line) end
      index = index + 1
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  sent = sent + 1
  local body = bodies[math.min(sent, #bodies)]
  return wrk.format("POST", nil, nil, body)
end

after_response = function(status)
  answered = answered + 1
  if answered >= #bodies then wrk.thread:stop() end
end
