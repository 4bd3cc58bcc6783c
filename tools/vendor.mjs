// Copies the built files of our npm dependencies into static/vendor (served by Flask, not committed):
// jsQR for the check-in scanner, DejaVu Sans (and its licence) for the PDF certificates and transcripts.
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";

const FILES = [
  ["node_modules/jsqr/dist/jsQR.js", "."],
  ["node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf", "fonts"],
  ["node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf", "fonts"],
  ["node_modules/dejavu-fonts-ttf/LICENSE", "fonts", "DejaVu-LICENSE.txt"],
];
const target = join("static", "vendor");
for (const [file, folder, name] of FILES) {
  mkdirSync(join(target, folder), { recursive: true });
  copyFileSync(file, join(target, folder, name ?? basename(file)));
}
console.log(`vendor: copied ${FILES.length} file(s) to ${target}`);
