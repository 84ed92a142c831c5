// ONNX Runtime (its Node.js package) on an ONNX graph, for tools/bench_compare.py --network:
//   node tools/ort_network_bench.mjs ORT_DIR MODEL.onnx '[[1,96,56,56],...]' THREADS SECONDS BATCHES
// ORT_DIR holds node_modules/onnxruntime-node (npm install --ignore-scripts onnxruntime-node).
// Feeds random float32 inputs x0, x1, ... of the given shapes, runs the session with THREADS
// intra-op threads (sequential execution), and prints the median ms per run over BATCHES
// batches of at least SECONDS each.
import { createRequire } from "node:module";
import path from "node:path";

const [ortDir, model, shapesJson, threadsArg, secondsArg, batchesArg] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(ortDir), "package.json"));
const ort = require("onnxruntime-node");

const shapes = JSON.parse(shapesJson);
const threads = Number(threadsArg), seconds = Number(secondsArg), batches = Number(batchesArg);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});
const feeds = {};
shapes.forEach((shape, i) => {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let j = 0; j < data.length; j++) data[j] = Math.random() * 2 - 1;
  feeds[`x${i}`] = new ort.Tensor("float32", data, shape);
});
const now = () => Number(process.hrtime.bigint()) / 1e6;
for (const start = now(); now() - start < 200;) await session.run(feeds); // warm up
const perRun = [];
for (let b = 0; b < batches; b++) {
  let runs = 0, elapsed = 0;
  const start = now();
  do {
    await session.run(feeds);
    runs++;
    elapsed = now() - start;
  } while (elapsed < seconds * 1000 || runs < 3);
  perRun.push(elapsed / runs);
}
perRun.sort((a, b) => a - b);
console.log(perRun[Math.floor(batches / 2)].toFixed(4));
