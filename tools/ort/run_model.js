#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU, npm onnxruntime-node) over N preprocessed inputs, for side-by-side
// comparisons with qdeploy's runtime on the very same tensors (qdeploy's data pipeline writes the inputs).
//
//   node run_model.js <model.onnx> <inputs.f32> <outputs.f32> [--threads T] [--batch B] [--shape C,H,W]
//                     [--opt disabled|basic|extended|all]
//
// inputs.f32: raw little-endian float32, N images back to back, each NCHW with the model's per-image shape
// (dims after the batch dim of its first input; --shape overrides when the model does not say). N is the
// file size divided by the image size. outputs.f32: the first output of the model for every image, raw
// little-endian float32 in input order. A model with a fixed batch B runs B images per call (the last call
// padded with zeros, whose rows are dropped); a symbolic batch runs --batch images per call (default 1).
// stdout: one JSON line {"images", "output_per_image", "batch", "threads", "seconds"}. Errors: message on
// stderr, exit code 1.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`run_model.js: error: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const a = {positional: [], threads: 0, batch: 0, shape: null, opt: 'all'};
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const need = () => {
      if (i + 1 >= argv.length) fail(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--threads') a.threads = Number(need());
    else if (k === '--batch') a.batch = Number(need());
    else if (k === '--shape') a.shape = need().split(',').map(Number);
    else if (k === '--opt') a.opt = need();
    else if (k === '-h' || k === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 15).join('\n') + '\n');
      process.exit(0);
    } else if (k.startsWith('--')) fail(`unknown option ${k}`);
    else a.positional.push(k);
  }
  if (a.positional.length !== 3) fail('usage: run_model.js <model.onnx> <inputs.f32> <outputs.f32> [options]');
  if (!Number.isInteger(a.threads) || a.threads < 0) fail('--threads must be a non-negative integer');
  if (!Number.isInteger(a.batch) || a.batch < 0) fail('--batch must be a non-negative integer');
  if (a.shape && a.shape.some((d) => !Number.isInteger(d) || d <= 0)) fail('--shape must be positive integers');
  if (!['disabled', 'basic', 'extended', 'all'].includes(a.opt)) fail(`--opt ${a.opt}: not a level`);
  return a;
}

function loadOrt() {
  try {
    return require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    fail(`onnxruntime-node is not installed in ${__dirname} (run scripts/setup.sh): ${e.message}`);
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const [modelPath, inPath, outPath] = a.positional;
  const ort = loadOrt();
  const options = {graphOptimizationLevel: a.opt};
  if (a.threads > 0) {
    options.intraOpNumThreads = a.threads;
    options.interOpNumThreads = 1;
  }
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath, options);
  } catch (e) {
    fail(`${modelPath}: ${e.message}`);
  }
  const meta = session.inputMetadata[0];
  const modelShape = meta && meta.isTensor ? meta.shape : [];
  const perImage = a.shape || modelShape.slice(1);
  if (perImage.length === 0 || perImage.some((d) => typeof d !== 'number' || d <= 0))
    fail(`${modelPath}: input '${session.inputNames[0]}' has no static per-image shape; pass --shape C,H,W`);
  const fixedBatch = typeof modelShape[0] === 'number' && modelShape[0] > 0 ? modelShape[0] : 0;
  if (fixedBatch && a.batch && a.batch !== fixedBatch)
    fail(`${modelPath}: the model has a fixed batch of ${fixedBatch}; --batch ${a.batch} cannot be used`);
  const batch = fixedBatch || a.batch || 1;

  let raw;
  try {
    raw = fs.readFileSync(inPath);
  } catch (e) {
    fail(`${inPath}: ${e.message}`);
  }
  const imageFloats = perImage.reduce((x, y) => x * y, 1);
  if (raw.length === 0 || raw.length % (imageFloats * 4) !== 0)
    fail(`${inPath}: ${raw.length} bytes is not a whole number of ${perImage.join('x')} float32 images`);
  // Copy so the Float32Array is 4-byte aligned (Buffers may start at any offset of a shared pool).
  const input = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const n = input.length / imageFloats;

  const chunks = [];
  let outPerImage = 0;
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const feedRows = fixedBatch ? batch : rows;
    const data = new Float32Array(feedRows * imageFloats);  // zero padding for a fixed batch
    data.set(input.subarray(start * imageFloats, (start + rows) * imageFloats));
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, [feedRows, ...perImage])};
    let results;
    try {
      results = await session.run(feeds);
    } catch (e) {
      fail(`${modelPath}: run failed at image ${start}: ${e.message}`);
    }
    const out = results[session.outputNames[0]];
    if (out.type !== 'float32') fail(`${modelPath}: output '${session.outputNames[0]}' is ${out.type}, not float32`);
    outPerImage = out.data.length / feedRows;
    chunks.push(Float32Array.from(out.data.subarray(0, rows * outPerImage)));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const all = new Float32Array(n * outPerImage);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  try {
    const tmp = `${outPath}.tmp.${process.pid}`;  // atomic: never a half-written output under the final name
    fs.writeFileSync(tmp, Buffer.from(all.buffer));
    fs.renameSync(tmp, outPath);
  } catch (e) {
    fail(`${outPath}: ${e.message}`);
  }
  process.stdout.write(JSON.stringify({images: n, output_per_image: outPerImage, batch, threads: a.threads,
                                       seconds}) + '\n');
}

main().catch((e) => fail(e.stack || String(e)));
