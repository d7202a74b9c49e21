-- GET requests cycling through the paths listed in the file given as the first argument
-- (one a line); each thread starts at its own place in the list.
local paths = {}
local next_index = 0

init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  next_index = (id or 1) - 1
end

request = function()
  next_index = next_index + 1
  return wrk.format("GET", paths[(next_index - 1) % #paths + 1])
end
