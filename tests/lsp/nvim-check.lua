-- tests/lsp/nvim-check.lua - Neovim's own LSP client against `vgpuc lsp`.
--
-- Run headless by tests/lsp/run.mjs:
--   nvim --headless --clean -c 'luafile tests/lsp/nvim-check.lua'
-- with VGPUC (the binary), NVIM_FILE (a .vgpu file), NVIM_OUT (where to write
-- the result as JSON) and NVIM_HOVER / NVIM_COMPLETE ("line:character",
-- 0-based) in the environment. It opens the file, attaches the server with
-- the client API of Neovim 0.7 (start_client + buf_attach_client, which later
-- versions keep), waits for the diagnostics, asks for a completion and a
-- hover, writes what Neovim received, and quits. run.mjs asserts the result.
local out = { diagnostics = {}, completion = {}, hover = nil, errors = {} }

local function finish()
  local f = io.open(os.getenv('NVIM_OUT'), 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qall!')
end

local function position(var)
  local l, c = os.getenv(var):match('^(%d+):(%d+)$')
  return { line = tonumber(l), character = tonumber(c) }
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('NVIM_FILE')))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({
    name = 'vgpuc',
    cmd = { os.getenv('VGPUC'), 'lsp', '--today', '2026-12-06' },
    root_dir = vim.fn.fnamemodify(os.getenv('NVIM_FILE'), ':p:h'),
  })
  assert(id, 'start_client failed')
  vim.lsp.buf_attach_client(buf, id)
  vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
                                    lnum = d.lnum, col = d.col, severity = d.severity, message = d.message })
  end
  local uri = vim.uri_from_bufnr(buf)
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/completion',
    { textDocument = { uri = uri }, position = position('NVIM_COMPLETE') }, 10000)
  for _, r in pairs(res or {}) do
    if r.error then table.insert(out.errors, r.error.message) end
    local items = r.result and (r.result.items or r.result) or {}
    for _, it in ipairs(items) do table.insert(out.completion, it.label) end
  end
  res = vim.lsp.buf_request_sync(buf, 'textDocument/hover',
    { textDocument = { uri = uri }, position = position('NVIM_HOVER') }, 10000)
  for _, r in pairs(res or {}) do
    if r.error then table.insert(out.errors, r.error.message) end
    if r.result and r.result.contents then out.hover = r.result.contents.value end
  end
  vim.lsp.stop_client(id)
end)
if not ok then table.insert(out.errors, tostring(err)) end
finish()
