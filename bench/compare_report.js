#!/usr/bin/env node
// Merges the per-round JSON files of bench/compare.sh (round<r>_<net>_{ours,ort}.json, written by
// `qdeploy bench --json` and tools/ort/bench_ort.js --json) into one Markdown table: medians over all timed
// runs of all rounds, and speed ratios (A vs B = B's median / A's median, so 2.00x = A twice as fast).
//
//   node bench/compare_report.js [--load-before "a b c"] [--load-after "x y z"] [--json out.json] files...
'use strict';
const fs = require('fs');
const path = require('path');

function percentile(samples, p) {  // linear interpolation (numpy default), as qdeploy bench
  if (!samples.length) return 0;
  const s = [...samples].sort((x, y) => x - y);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank), hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

const args = process.argv.slice(2);
const opt = {loadBefore: '?', loadAfter: '?', json: ''};
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--load-before') opt.loadBefore = args[++i];
  else if (args[i] === '--load-after') opt.loadAfter = args[++i];
  else if (args[i] === '--json') opt.json = args[++i];
  else files.push(args[i]);
}
if (!files.length) {
  process.stderr.write('compare_report: no input files\n');
  process.exit(1);
}

// key "net|label|threads|batch" -> {samples, cpu}
const cases = new Map();
const loads = new Map();  // "net|label" -> [load_ms...]
let peakRss = 0, machine = null, date = '', rounds = new Set(), repeat = 0, block = 1;
for (const f of files) {
  const m = /round(\d+)_(.+)_(ours|ort|ncnn)\.json$/.exec(path.basename(f));
  if (!m) continue;
  rounds.add(m[1]);
  const net = m[2];
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!date || j.date < date) date = j.date;
  if (m[3] === 'ours' || !machine) machine = j.machine || machine;  // ours names the oneDNN ISA
  repeat = j.repeat;
  if (m[3] === 'ours') block = j.block || 1;  // qdeploy bench's turns (absent before --block: run by run)
  if (j.peak_rss_mb) peakRss = Math.max(peakRss, j.peak_rss_mb);
  for (const mod of j.models || []) {
    const k = `${net}|${mod.label}`;
    if (!loads.has(k)) loads.set(k, []);
    loads.get(k).push(mod.load_ms);
  }
  for (const r of j.results) {
    const k = `${net}|${r.model}|${r.threads}|${r.batch}`;
    if (!cases.has(k)) cases.set(k, {samples: [], cpu: []});
    cases.get(k).samples.push(...r.samples_ms);
    cases.get(k).cpu.push(...(r.cpu_samples_ms || []));
  }
}

const nets = [...new Set([...cases.keys()].map((k) => k.split('|')[0]))].sort().reverse();  // resnet20 first
const configs = [...new Set([...cases.keys()].map((k) => k.split('|').slice(2).join('|')))]
                    .map((s) => s.split('|').map(Number))
                    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
const med = (net, label, t, b, field = 'samples') => {
  const c = cases.get(`${net}|${label}|${t}|${b}`);
  return c && c[field].length ? percentile(c[field], 50) : NaN;
};
const ms = (v) => (Number.isNaN(v) ? '-' : v < 100 ? v.toFixed(3) : v.toFixed(1));
const ratio = (slow, fast) => {
  if (Number.isNaN(slow) || Number.isNaN(fast)) return '-';
  const r = slow / fast;
  return (r < 0.1 ? r.toPrecision(2) : r.toFixed(2)) + 'x';
};

const out = [];
const rows = [];
out.push(`Date ${date}; ${machine ? `${machine.cpu}, ${machine.cores} cores, oneDNN ISA ${machine.isa || '?'}` : ''}; load average before ` +
         `${opt.loadBefore}, after ${opt.loadAfter}; OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY || '(unset)'}; ${rounds.size} rounds x ${repeat} timed runs per case ` +
         `(${block > 1 ? `each program's models in turns of ${block} back-to-back runs` : 'models interleaved'}); ` +
         'medians of wall time per batch.');
out.push('');
out.push('| model | threads | batch | ours fp32 ms | ours int8 ms | ORT fp32 ms | ncnn fp32 ms | ncnn int8 ms | ' +
         'int8 vs ORT fp32 | fp32 vs ORT fp32 | fp32 vs ncnn fp32 | int8 vs ncnn int8 | int8 vs fp32 | ours int8 images/s |');
out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const net of nets) {
  for (const [t, b] of configs) {
    const f = med(net, 'ours-fp32', t, b), q = med(net, 'ours-int8', t, b), o = med(net, 'ort-fp32', t, b);
    const nf = med(net, 'ncnn-fp32', t, b), nq = med(net, 'ncnn-int8', t, b);
    out.push(`| ${net} | ${t} | ${b} | ${ms(f)} | ${ms(q)} | ${ms(o)} | ${ms(nf)} | ${ms(nq)} | ${ratio(o, q)} | ` +
             `${ratio(o, f)} | ${ratio(nf, f)} | ${ratio(nq, q)} | ${ratio(f, q)} | ` +
             `${Number.isNaN(q) ? '-' : ((b * 1000) / q).toFixed(0)} |`);
    rows.push({model: net, threads: t, batch: b, ours_fp32_ms: f, ours_int8_ms: q, ort_fp32_ms: o,
               ncnn_fp32_ms: nf, ncnn_int8_ms: nq,
               ours_fp32_cpu_ms: med(net, 'ours-fp32', t, b, 'cpu'), ours_int8_cpu_ms: med(net, 'ours-int8', t, b, 'cpu'),
               ort_fp32_cpu_ms: med(net, 'ort-fp32', t, b, 'cpu')});
  }
}
out.push('');
out.push('Process CPU time per batch (median; all threads, includes spin-waiting at 2 threads; at 1 thread it is ' +
         'the figure least disturbed by other load):');
out.push('');
out.push('| model | threads | batch | ours fp32 cpu ms | ours int8 cpu ms | ORT fp32 cpu ms | int8 vs ORT fp32 | ' +
         'fp32 vs ORT fp32 |');
out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  out.push(`| ${r.model} | ${r.threads} | ${r.batch} | ${ms(r.ours_fp32_cpu_ms)} | ${ms(r.ours_int8_cpu_ms)} | ` +
           `${ms(r.ort_fp32_cpu_ms)} | ${ratio(r.ort_fp32_cpu_ms, r.ours_int8_cpu_ms)} | ` +
           `${ratio(r.ort_fp32_cpu_ms, r.ours_fp32_cpu_ms)} |`);
out.push('');
const loadText = [...loads.entries()].filter(([k]) => !k.includes('|ort-')).map(([k, v]) => `${k.replace('|', ' ')} ${percentile(v, 50).toFixed(1)} ms`);
out.push(`Load time (qdeploy: open + compile + first inference; ncnn: load param + bin; median over rounds): ${loadText.join('; ')}. ` +
         `Peak RSS of one qdeploy bench run: ${peakRss.toFixed(1)} MB.`);
console.log(out.join('\n'));
if (opt.json) {
  const tmp = `${opt.json}.tmp${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({date, machine, load_before: opt.loadBefore, load_after: opt.loadAfter,
                                        rounds: rounds.size, repeat, block, rows}, null, 1) + '\n');
  fs.renameSync(tmp, opt.json);
}
