#!/usr/bin/env node
// Writes generated tables into a Markdown file between marker comments (see bench/readme_tables.js).
//
//   node bench/render_readme.js --readme README.md [--accuracy accuracy.json] [--speed compare.json]
//                               [--section NAME]
//
// --section: the marker name the speed table goes to (default "speed"; e.g. "speed-avx2", "zoo-speed").
// The file is replaced atomically (temporary name, then rename).
'use strict';
const fs = require('fs');
const {renderAccuracy, renderSpeed, replaceSection} = require('./readme_tables');

const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i += 2) {
  if (!['--readme', '--accuracy', '--speed', '--section'].includes(args[i]) || i + 1 >= args.length) {
    process.stderr.write(`render_readme: bad argument '${args[i]}'\n` +
                         'usage: render_readme.js --readme F [--accuracy accuracy.json] [--speed compare.json] ' +
                         '[--section NAME]\n');
    process.exit(1);
  }
  opt[args[i].slice(2)] = args[i + 1];
}
if (!opt.readme) {
  process.stderr.write('render_readme: --readme is required\n');
  process.exit(1);
}
try {
  let text = fs.readFileSync(opt.readme, 'utf8');
  const read = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
  if (opt.accuracy) text = replaceSection(text, 'accuracy', renderAccuracy(read(opt.accuracy)));
  if (opt.speed) text = replaceSection(text, opt.section || 'speed', renderSpeed(read(opt.speed)));
  const tmp = `${opt.readme}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, opt.readme);
} catch (e) {
  process.stderr.write(`render_readme: ${opt.readme}: ${e.message}\n`);
  process.exit(1);
}
