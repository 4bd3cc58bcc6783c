// Copies the built files of our npm dependencies into static/vendor (served by Flask, not committed).
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";

const FILES = ["node_modules/jsqr/dist/jsQR.js"];
const target = join("static", "vendor");
mkdirSync(target, { recursive: true });
for (const file of FILES) {
  copyFileSync(file, join(target, basename(file)));
}
console.log(`vendor: copied ${FILES.length} file(s) to ${target}`);
