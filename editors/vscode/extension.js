// extension.js - the VS Code client of `vgpuc lsp`.
//
// Starts the server over stdio with vscode-languageclient for every .vgpu
// document, restarts it when the vgpuc.* settings change, and adds the
// command "vgpuc: Show the placement plan of this cluster", which asks the
// server for the plan of the cluster under the cursor (workspace/executeCommand
// vgpuc.plan) and shows its SVG.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
const { serverCommand } = require('./server');

let client;

function startClient() {
  const cfg = vscode.workspace.getConfiguration('vgpuc');
  const { command, args } = serverCommand({ path: cfg.get('path'), catalog: cfg.get('catalog') });
  const run = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient('vgpuc', 'vgpuc', { run, debug: run }, {
    documentSelector: [{ scheme: 'file', language: 'vgpu' }, { scheme: 'untitled', language: 'vgpu' }],
  });
  return client.start();
}

async function showPlan() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) return;
  const position = client.code2ProtocolConverter.asPosition(editor.selection.active);
  const uri = editor.document.uri.toString();
  try {
    const plan = await client.sendRequest('workspace/executeCommand',
      { command: 'vgpuc.plan', arguments: [uri, position, 'svg'] });
    const panel = vscode.window.createWebviewPanel('vgpucPlan', `Plan: ${plan.cluster}`, vscode.ViewColumn.Beside, {});
    panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';"></head><body style="background:#fff">${plan.content.replace(/^<\?xml[^>]*>\s*/, '')}</body></html>`;
  } catch (e) {
    vscode.window.showErrorMessage(`vgpuc: ${e.message}`);
  }
}

async function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('vgpuc.showPlan', showPlan));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (!e.affectsConfiguration('vgpuc') || !client) return;
    await client.stop();
    await startClient();
  }));
  await startClient();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
