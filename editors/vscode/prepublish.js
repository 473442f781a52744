// prepublish.js - copy the TextMate grammar (kept once, in editors/textmate)
// into the extension before `vsce package`, which packs only this folder.
'use strict';
const fs = require('fs');
const path = require('path');
fs.mkdirSync(path.join(__dirname, 'syntaxes'), { recursive: true });
fs.copyFileSync(path.join(__dirname, '..', 'textmate', 'vgpu.tmLanguage.json'),
                path.join(__dirname, 'syntaxes', 'vgpu.tmLanguage.json'));
