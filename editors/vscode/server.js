// server.js - how the extension starts the language server: `vgpuc lsp`
// with the --catalog files of the settings. Kept apart from extension.js
// (which needs the `vscode` module) so that tests/lsp can start the server
// exactly as the extension would, without VS Code.
'use strict';

/**
 * @param {{ path?: string, catalog?: string[] }} settings the `vgpuc.*` settings
 * @returns {{ command: string, args: string[] }}
 */
function serverCommand(settings) {
  const command = settings.path && settings.path.trim() ? settings.path.trim() : 'vgpuc';
  const args = ['lsp'];
  for (const file of settings.catalog || []) {
    if (typeof file === 'string' && file !== '') args.push('--catalog', file);
  }
  return { command, args };
}

module.exports = { serverCommand };
