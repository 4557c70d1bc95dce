#!/usr/bin/env node
// bench/readme_tables.js renders fixed JSON into the exact Markdown written out below by hand, and marker
// replacement keeps the rest of the file, is repeatable, and refuses a file without the markers.
'use strict';
const assert = require('assert');
const path = require('path');
const {renderAccuracy, renderSpeed, replaceSection} = require(path.join(__dirname, '../../bench/readme_tables'));

const machine = {cpu: 'Test CPU 9000', isa: 'avx2', cores: 2};
const accuracy = {
  date: '2026-01-02T03:04:05Z', machine,
  rows: [
    {model: 'resnet20', precision: 'fp32', how: 'ONNX', top1: 0.8651, top5: 0.99123, images: 10000,
     reference: '0.8651'},
    {model: 'resnet20', precision: 'int8', how: 'deploy --quant, kl', top1: 0.86489, top5: 0.995, images: 10000,
     reference: 'ncnn kl 0.8641'},
  ],
};
const speed = {
  date: '2026-01-02T03:04:05Z', machine, load_before: '0.10 0.20 0.30', load_after: [0.5, 0.25, 1],
  rounds: 3, repeat: 10,
  rows: [{model: 'resnet18', threads: 1, batch: 1, ours_fp32_ms: 10, ours_int8_ms: 4, ort_fp32_ms: 12.5,
          ncnn_fp32_ms: 11, ncnn_int8_ms: 8.123, ours_fp32_cpu_ms: 10}],
};

const cases = {
  'accuracy table': () => assert.strictEqual(renderAccuracy(accuracy), [
    'Measured 2026-01-02T03:04:05Z on Test CPU 9000 (2 cores, oneDNN ISA avx2) by `bench/report.sh`: ' +
        '`qdeploy test` on the full shared test set.',
    '',
    '| model | precision | how | top-1 | top-5 | images | reference (../shared/README.md) |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    '| resnet20 | fp32 | ONNX | 0.8651 | 0.9912 | 10000 | 0.8651 |',
    '| resnet20 | int8 | deploy --quant, kl | 0.8649 | 0.9950 | 10000 | ncnn kl 0.8641 |',
  ].join('\n')),
  'speed table': () => assert.strictEqual(renderSpeed(speed), [
    'Measured 2026-01-02T03:04:05Z on Test CPU 9000 (2 cores, oneDNN ISA avx2) by `bench/compare.sh`, load ' +
        'average 0.10 0.20 0.30 before and 0.50 0.25 1.00 after; medians of 3 rounds x 10 timed runs, programs ' +
        'and models interleaved; ms per batch.',
    '',
    '| model | threads | batch | ours fp32 | ours int8 | ONNX Runtime fp32 | ncnn fp32 | ncnn int8 | int8 vs fp32 | ' +
        'int8 vs ORT fp32 | fp32 vs ORT fp32 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    '| resnet18 | 1 | 1 | 10.00 | 4.00 | 12.50 | 11.00 | 8.12 | 2.50x | 3.13x | 1.25x |',
  ].join('\n')),
  'turns of back-to-back runs named in the header': () => {
    const header = renderSpeed({...speed, block: 10}).split('\n')[0];
    assert.ok(header.endsWith('medians of 3 rounds x 10 timed runs, programs interleaved, each model\'s runs ' +
                              'back to back (turns of 10); ms per batch.'), header);
  },
  'missing value is a dash': () => {
    const s = {...speed, rows: [{...speed.rows[0], ncnn_int8_ms: null, ort_fp32_ms: undefined}]};
    assert.match(renderSpeed(s), /\| 11\.00 \| - \| 2\.50x \| - \| - \|$/);
  },
  'section replaced, rest kept, repeatable': () => {
    const doc = 'head\n<!-- qdeploy:speed:begin -->\nold\n<!-- qdeploy:speed:end -->\ntail\n';
    const once = replaceSection(doc, 'speed', 'new');
    assert.strictEqual(once, 'head\n<!-- qdeploy:speed:begin -->\nnew\n<!-- qdeploy:speed:end -->\ntail\n');
    assert.strictEqual(replaceSection(once, 'speed', 'new'), once);
  },
  'missing markers throw': () => assert.throws(() => replaceSection('no markers', 'speed', 'x'), /not found/),
};

let passed = 0, failed = 0;
for (const [name, fn] of Object.entries(cases)) {
  try {
    fn();
    ++passed;
  } catch (e) {
    ++failed;
    console.log(`FAILED ${name}: ${e.message}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
