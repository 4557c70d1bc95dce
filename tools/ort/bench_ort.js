#!/usr/bin/env node
// Times ONNX Runtime (CPU, from npm) on ONNX models the way `qdeploy bench` times ours: one session per
// (model, threads, batch), fixed pseudo-random inputs, warm-up runs, then timed runs with the models taking
// turns (order rotating every repetition). Prints a table and optionally writes JSON whose "results" entries
// have the same keys as qdeploy bench's (model, threads, batch, median_ms, p90_ms, samples_ms, ...).
//
//   node tools/ort/bench_ort.js --model m.onnx [--model n.onnx] [--label a --label b] [--threads 1,2]
//        [--batch 1,32] [--repeat 20] [--warmup 3] [--json out.json]
//
// Models with a fixed batch dimension (e.g. 1x3x32x32) get it rewritten in memory to each batch size (the
// first dimension of every graph input and output); the graph must not hard-code the batch elsewhere.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const ort = require('onnxruntime-node');

function usage(msg) {
  if (msg) process.stderr.write(`bench_ort: error: ${msg}\n`);
  process.stderr.write(
      'usage: bench_ort.js --model m.onnx [--model ...] [--label name ...] [--threads 1,2] [--batch 1,32] ' +
      '[--repeat N] [--warmup N] [--json out.json]\n');
  process.exit(msg ? 1 : 0);
}

function intList(text, option) {
  const out = [];
  for (const item of String(text).split(',')) {
    const v = Number(item.trim());
    if (!Number.isInteger(v) || v < 1) usage(`${option}: '${item}' is not a positive whole number`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function parseArgs(argv) {
  const a = {models: [], labels: [], threads: [1], batch: [1], repeat: 20, warmup: 3, json: ''};
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--model') a.models.push(v());
    else if (k === '--label') a.labels.push(v());
    else if (k === '--threads') a.threads = intList(v(), k);
    else if (k === '--batch') a.batch = intList(v(), k);
    else if (k === '--repeat') a.repeat = intList(v(), k)[0];
    else if (k === '--warmup') a.warmup = Number(v());
    else if (k === '--json') a.json = v();
    else if (k === '-h' || k === '--help') usage();
    else usage(`unknown argument '${k}'`);
  }
  if (!a.models.length) usage('give at least one --model');
  if (a.labels.length && a.labels.length !== a.models.length) usage('give one --label per --model');
  if (!a.labels.length) a.labels = a.models.map((m) => path.basename(m));
  if (!Number.isInteger(a.warmup) || a.warmup < 0) usage('--warmup must be a whole number >= 0');
  return a;
}

// --- minimal protobuf walking, enough to rewrite the batch dimension of an ONNX ModelProto ---------------
function readVarint(buf, pos) {
  let v = 0, mul = 1, b;
  do {
    if (pos >= buf.length) throw new Error('truncated protobuf varint');
    b = buf[pos++];
    v += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  return [v, pos];
}

function encodeVarint(v) {
  const bytes = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    bytes.push(b);
  } while (v > 0);
  return Buffer.from(bytes);
}

// Top-level fields of a message: {num, wt, raw (whole field), value (payload for wire type 2)}.
function fields(buf) {
  const out = [];
  let p = 0;
  while (p < buf.length) {
    const start = p;
    let key;
    [key, p] = readVarint(buf, p);
    const num = Math.floor(key / 8), wt = key & 7;
    let vs = p;
    if (wt === 0) [, p] = readVarint(buf, p);
    else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else if (wt === 2) {
      let len;
      [len, p] = readVarint(buf, p);
      vs = p;
      p += len;
    } else throw new Error(`unsupported protobuf wire type ${wt}`);
    if (p > buf.length) throw new Error('truncated protobuf field');
    out.push({num, wt, raw: buf.subarray(start, p), value: buf.subarray(vs, p)});
  }
  return out;
}

function lengthField(num, payload) {
  return Buffer.concat([encodeVarint(num * 8 + 2), encodeVarint(payload.length), payload]);
}

// Rebuilds `buf` with the payload of each length-delimited field numbered in `nums` replaced by fn(payload).
function rewrite(buf, nums, fn) {
  return Buffer.concat(
      fields(buf).map((f) => (f.wt === 2 && nums.includes(f.num) ? lengthField(f.num, fn(f.value)) : f.raw)));
}

function stringField(msg, num) {
  const f = fields(msg).find((x) => x.num === num && x.wt === 2);
  return f ? f.value.toString('utf8') : '';
}

// ModelProto.graph(7) -> input(11)/output(12) ValueInfoProto -> type(2) -> tensor_type(1) -> shape(2) ->
// first dim(1) := {dim_value(1): batch}. Inputs that are initializers keep their shape.
function withBatch(model, batch) {
  return rewrite(model, [7], (graph) => {
    const inits = new Set(fields(graph).filter((f) => f.num === 5 && f.wt === 2).map((f) => stringField(f.value, 8)));
    return rewrite(graph, [11, 12], (vi) => {
      if (inits.has(stringField(vi, 1))) return vi;
      return rewrite(vi, [2], (type) => rewrite(type, [1], (tt) => rewrite(tt, [2], (shape) => {
        let done = false;
        return Buffer.concat(fields(shape).map((f) => {
          if (done || f.num !== 1 || f.wt !== 2) return f.raw;
          done = true;
          return lengthField(1, Buffer.concat([encodeVarint(1 * 8 + 0), encodeVarint(batch)]));
        }));
      })));
    });
  });
}

// --- timing --------------------------------------------------------------------------------------------------
function percentile(samples, p) {  // linear interpolation, as qd::LatencyStats and numpy
  if (!samples.length) return 0;
  const s = [...samples].sort((x, y) => x - y);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank), hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

function fixedInput(dims) {  // deterministic values in [-2, 2)
  const n = dims.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  let state = 12345;
  for (let i = 0; i < n; ++i) {
    state = (state * 1103515245 + 12345) % 2147483648;
    data[i] = (state / 2147483648) * 4 - 2;
  }
  return data;
}

async function makeSession(bytes, threads) {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function inputDims(bytes) {  // dims of the first non-initializer graph input
  const graph = fields(bytes).find((f) => f.num === 7).value;
  const inits = new Set(fields(graph).filter((f) => f.num === 5 && f.wt === 2).map((f) => stringField(f.value, 8)));
  for (const f of fields(graph)) {
    if (f.num !== 11 || inits.has(stringField(f.value, 1))) continue;
    const type = fields(f.value).find((x) => x.num === 2).value;
    const tt = fields(type).find((x) => x.num === 1).value;
    const shape = fields(tt).find((x) => x.num === 2).value;
    return fields(shape).filter((d) => d.num === 1).map((d) => {
      const dv = fields(d.value).find((x) => x.num === 1 && x.wt === 0);
      return dv ? readVarint(dv.raw, 1)[0] : 1;
    });
  }
  throw new Error('model has no graph input');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const originals = a.models.map((m) => fs.readFileSync(m));
  const results = [];
  const date = new Date().toISOString();
  const loadAverage = os.loadavg();
  for (const threads of a.threads) {
    for (const batch of a.batch) {
      process.stderr.write(`bench_ort: threads ${threads}, batch ${batch}: ${a.models.length} models x ${a.repeat} runs\n`);
      const sessions = [], feeds = [], samples = [], cpu = [];
      for (const bytes of originals) {
        const patched = withBatch(bytes, batch);
        const dims = inputDims(patched);
        const s = await makeSession(patched, threads);
        sessions.push(s);
        feeds.push({[s.inputNames[0]]: new ort.Tensor('float32', fixedInput(dims), dims)});
        samples.push([]);
        cpu.push([]);
      }
      for (let w = 0; w < a.warmup; ++w)
        for (let m = 0; m < sessions.length; ++m) await sessions[m].run(feeds[m]);
      for (let r = 0; r < a.repeat; ++r) {
        for (let k = 0; k < sessions.length; ++k) {
          const m = (k + r) % sessions.length;
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          await sessions[m].run(feeds[m]);
          samples[m].push(Number(process.hrtime.bigint() - t0) / 1e6);
          const c = process.cpuUsage(c0);  // process CPU time, all threads (includes ORT's spin-waiting)
          cpu[m].push((c.user + c.system) / 1e3);
        }
      }
      for (let m = 0; m < sessions.length; ++m) {
        const med = percentile(samples[m], 50);
        results.push({
          model: a.labels[m], path: a.models[m], precision: 'fp32', runtime: `onnxruntime-node ${ort.env.versions.common}`,
          threads, batch, median_ms: med, p90_ms: percentile(samples[m], 90), ms_per_image: med / batch,
          images_per_second: (batch * 1000) / med, cpu_median_ms: percentile(cpu[m], 50), runs: samples[m].length,
          samples_ms: samples[m], cpu_samples_ms: cpu[m],
        });
        await sessions[m].release();
      }
    }
  }
  console.log('| model | threads | batch | median ms/batch | p90 ms/batch | cpu ms/batch | ms/image | images/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results)
    console.log(`| ${r.model} | ${r.threads} | ${r.batch} | ${r.median_ms.toFixed(3)} | ${r.p90_ms.toFixed(3)} | ${r.cpu_median_ms.toFixed(3)} | ` +
                `${r.ms_per_image.toFixed(3)} | ${r.images_per_second.toFixed(1)} |`);
  if (a.json) {
    const out = {date, repeat: a.repeat, warmup: a.warmup,
                 machine: {cpu: os.cpus()[0].model, cores: os.cpus().length, load_average: loadAverage}, results};
    const tmp = `${a.json}.tmp${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(out, null, 1) + '\n');
    fs.renameSync(tmp, a.json);
  }
}

main().catch((e) => {
  process.stderr.write(`bench_ort: error: ${e.message}\n`);
  process.exit(1);
});
