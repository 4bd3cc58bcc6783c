// Writes a gzip (.gz) and a Brotli (.br) copy next to every stylesheet and script under static/ (our css/ and js/,
// and the copied static/vendor files), for csi_events/static_files.py to serve to browsers that accept them.
// Run by `make setup` after the vendor copy; `node tools/compress_static.mjs [folder]` (default: static).
// A copy is written only when it is smaller; the server ignores a copy older than its source file.
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = process.argv[2] ?? "static";
const SOURCE = /\.(css|js|mjs|svg|json|txt)$/;

function* files(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (SOURCE.test(entry.name)) yield path;
  }
}

function keepIfSmaller(path, data, original) {
  if (data.length < original.length) {
    writeFileSync(path, data);
    return 1;
  }
  try {
    unlinkSync(path); // an older copy that is no longer smaller
  } catch {}
  return 0;
}

let written = 0;
let before = 0;
let after = 0;
for (const path of files(root)) {
  const original = readFileSync(path);
  const gz = gzipSync(original, { level: 9 });
  const br = brotliCompressSync(original, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: statSync(path).size },
  });
  written += keepIfSmaller(`${path}.gz`, gz, original) + keepIfSmaller(`${path}.br`, br, original);
  before += original.length;
  after += Math.min(original.length, br.length);
}
console.log(`compress: ${written} file(s) written under ${root}; ${before} bytes, ${after} with Brotli`);
