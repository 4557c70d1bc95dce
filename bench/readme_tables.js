// Renders the README's generated tables (accuracy, speed) from the JSON that bench/report.sh collects, and
// replaces the text between a section's marker comments. Pure functions: render_readme.js does the I/O.
'use strict';

const fmtMs = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v < 100 ? v.toFixed(2) : v.toFixed(0));
const fmtRatio = (slow, fast) => {
  if ([slow, fast].some((v) => v === null || v === undefined || Number.isNaN(v)) || fast <= 0) return '-';
  return `${(slow / fast).toFixed(2)}x`;
};
const fmtLoad = (l) => (Array.isArray(l) ? l.map((v) => Number(v).toFixed(2)).join(' ') : String(l));

// accuracy: {date, machine: {cpu, isa, cores}, rows: [{model, precision, how, top1, top5, images, reference}]}
function renderAccuracy(acc) {
  const out = [];
  out.push(`Measured ${acc.date} on ${acc.machine.cpu} (${acc.machine.cores} cores, oneDNN ISA ${acc.machine.isa}) ` +
           'by `bench/report.sh`: `qdeploy test` on the full shared test set.');
  out.push('');
  out.push('| model | precision | how | top-1 | top-5 | images | reference (../shared/README.md) |');
  out.push('| --- | --- | --- | ---: | ---: | ---: | --- |');
  for (const r of acc.rows)
    out.push(`| ${r.model} | ${r.precision} | ${r.how} | ${r.top1.toFixed(4)} | ${r.top5.toFixed(4)} | ` +
             `${r.images} | ${r.reference} |`);
  return out.join('\n');
}

// speed: bench/compare.sh's compare.json: {date, machine: {cpu, isa, cores}, load_before, load_after, rounds,
// repeat, block (qdeploy bench's turns; absent: run by run), rows: [{model, threads, batch, ours_fp32_ms,
// ours_int8_ms, ort_fp32_ms, ncnn_fp32_ms, ncnn_int8_ms}]}
function renderSpeed(speed) {
  const m = speed.machine || {};
  const out = [];
  out.push(`Measured ${speed.date} on ${m.cpu} (${m.cores} cores, oneDNN ISA ${m.isa}) by \`bench/compare.sh\`, ` +
           `load average ${fmtLoad(speed.load_before)} before and ${fmtLoad(speed.load_after)} after; medians of ` +
           `${speed.rounds} rounds x ${speed.repeat} timed runs, ` +
           (speed.block > 1 ? `programs interleaved, each model's runs back to back (turns of ${speed.block})`
                            : 'programs and models interleaved') + '; ms per batch.');
  out.push('');
  out.push('| model | threads | batch | ours fp32 | ours int8 | ONNX Runtime fp32 | ncnn fp32 | ncnn int8 | ' +
           'int8 vs fp32 | int8 vs ORT fp32 | fp32 vs ORT fp32 |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of speed.rows)
    out.push(`| ${r.model} | ${r.threads} | ${r.batch} | ${fmtMs(r.ours_fp32_ms)} | ${fmtMs(r.ours_int8_ms)} | ` +
             `${fmtMs(r.ort_fp32_ms)} | ${fmtMs(r.ncnn_fp32_ms)} | ${fmtMs(r.ncnn_int8_ms)} | ` +
             `${fmtRatio(r.ours_fp32_ms, r.ours_int8_ms)} | ${fmtRatio(r.ort_fp32_ms, r.ours_int8_ms)} | ` +
             `${fmtRatio(r.ort_fp32_ms, r.ours_fp32_ms)} |`);
  return out.join('\n');
}

// Replaces what stands between `<!-- qdeploy:NAME:begin -->` and `<!-- qdeploy:NAME:end -->`; throws when
// the markers are missing, so a renamed section cannot silently stop updating.
function replaceSection(text, name, body) {
  const begin = `<!-- qdeploy:${name}:begin -->`, end = `<!-- qdeploy:${name}:end -->`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${begin} ... ${end} not found`);
  return text.slice(0, i + begin.length) + '\n' + body + '\n' + text.slice(j);
}

module.exports = {renderAccuracy, renderSpeed, replaceSection};
