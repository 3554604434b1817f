// Draws Encore's icons and writes them as real PNG and ICO files, with no
// image library: shapes as signed distance fields (anti-aliased by coverage),
// PNG through zlib, ICO as 32-bit DIB entries. Deterministic, so the committed
// files can be checked against a fresh run.
//
//   node scripts/make-icons.mjs [outDir]      (default: assets/)
//
// Tray states differ by shape, not only by colour, because macOS template
// images are monochrome: ok = a dot in the ring, degraded = a broken ring,
// error = an exclamation mark, paused = pause bars.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'assets'));

export const STATES = ['ok', 'degraded', 'error', 'paused'];
const COLOURS = { ok: [46, 160, 90], degraded: [232, 160, 0], error: [220, 50, 47], paused: [140, 140, 140] };

// --- shapes: signed distance in units of the icon size (0..1), negative inside
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;
const ring = (x, y, r, w) => Math.abs(Math.hypot(x - 0.5, y - 0.5) - r) - w / 2;
function box(x, y, cx, cy, hw, hh, radius = 0) {
  const dx = Math.abs(x - cx) - hw + radius;
  const dy = Math.abs(y - cy) - hh + radius;
  return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - radius;
}
/** The ring with four gaps: distance to the nearest gap edge, measured along the arc. */
function brokenRing(x, y, r, w) {
  const base = ring(x, y, r, w);
  const angle = Math.atan2(y - 0.5, x - 0.5) + Math.PI / 4;
  const sector = (Math.PI * 2) / 4;
  const offset = Math.abs(((angle % sector) + sector) % sector - sector / 2); // 0 at a gap centre
  const halfGap = 0.28;
  const gap = (halfGap - offset) * r; // positive inside a gap
  return Math.max(base, gap);
}

const R = 0.34; // ring radius
const W = 0.12; // ring stroke

function traySdf(state) {
  return (x, y) => {
    switch (state) {
      case 'ok':
        return Math.min(ring(x, y, R, W), circle(x, y, 0.5, 0.5, 0.13));
      case 'degraded':
        return Math.min(brokenRing(x, y, R, W), circle(x, y, 0.5, 0.5, 0.1));
      case 'error':
        return Math.min(ring(x, y, R, W), box(x, y, 0.5, 0.43, 0.05, 0.14, 0.03), circle(x, y, 0.5, 0.665, 0.055));
      case 'paused':
        return Math.min(ring(x, y, R, W), box(x, y, 0.435, 0.5, 0.04, 0.13, 0.015), box(x, y, 0.565, 0.5, 0.04, 0.13, 0.015));
      default:
        throw new Error(`unknown state ${state}`);
    }
  };
}

/** RGBA pixels: coverage of the shape at each pixel centre, in one colour. */
function render(size, sdf, [r, g, b]) {
  const px = Buffer.alloc(size * size * 4);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const d = sdf((i + 0.5) / size, (j + 0.5) / size) * size; // in pixels
      const alpha = Math.min(1, Math.max(0, 0.5 - d));
      const o = (j * size + i) * 4;
      px[o] = r;
      px[o + 1] = g;
      px[o + 2] = b;
      px[o + 3] = Math.round(alpha * 255);
    }
  }
  return px;
}

/** The app icon: a light ring and dot on a dark rounded square. */
function renderAppIcon(size) {
  const px = Buffer.alloc(size * size * 4);
  const inset = 0.1; // macOS icon grid: the artwork sits inside a margin
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) / size;
      const y = (j + 0.5) / size;
      const back = Math.min(1, Math.max(0, 0.5 - box(x, y, 0.5, 0.5, 0.5 - inset, 0.5 - inset, 0.18) * size));
      const glyph = Math.min(1, Math.max(0, 0.5 - Math.min(ring(x, y, 0.22, 0.07), circle(x, y, 0.5, 0.5, 0.08)) * size));
      const o = (j * size + i) * 4;
      // glyph over background: warm white on slate
      const mix = (fg, bg) => Math.round(fg * glyph + bg * (1 - glyph));
      px[o] = mix(250, 31);
      px[o + 1] = mix(244, 41);
      px[o + 2] = mix(230, 55);
      px[o + 3] = Math.round(255 * Math.max(back, glyph));
    }
  }
  return px;
}

// --- PNG
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); // filter byte 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- ICO: classic 32-bit DIB entries, which every Windows tray API reads
function dibEntry(size, rgba) {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // XOR image + AND mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 4;
      const to = ((size - 1 - y) * size + x) * 4; // bottom-up rows, BGRA
      pixels[to] = rgba[from + 2];
      pixels[to + 1] = rgba[from + 1];
      pixels[to + 2] = rgba[from];
      pixels[to + 3] = rgba[from + 3];
    }
  }
  const maskStride = Math.ceil(size / 32) * 4;
  const mask = Buffer.alloc(maskStride * size); // all zero: alpha decides
  return Buffer.concat([header, pixels, mask]);
}
export function encodeIco(images) {
  const dir = Buffer.alloc(6 + 16 * images.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(images.length, 4);
  const bodies = images.map(({ size, rgba }) => dibEntry(size, rgba));
  let offset = dir.length;
  images.forEach(({ size }, n) => {
    const e = 6 + 16 * n;
    dir[e] = size >= 256 ? 0 : size;
    dir[e + 1] = size >= 256 ? 0 : size;
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(bodies[n].length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += bodies[n].length;
  });
  return Buffer.concat([dir, ...bodies]);
}

// --- the files
function write(rel, data) {
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

for (const state of STATES) {
  const sdf = traySdf(state);
  // macOS: black template images, 22 pt tall, the menu bar recolours them.
  write(`tray/tray-${state}Template.png`, encodePng(22, render(22, sdf, [0, 0, 0])));
  write(`tray/tray-${state}Template@2x.png`, encodePng(44, render(44, sdf, [0, 0, 0])));
  // Linux: colour PNG (panels are light or dark, so the state colour carries).
  write(`tray/tray-${state}.png`, encodePng(24, render(24, sdf, COLOURS[state])));
  write(`tray/tray-${state}@2x.png`, encodePng(48, render(48, sdf, COLOURS[state])));
  // Windows: one .ico with the sizes the taskbar picks from at 100–200 % scaling.
  write(`tray/tray-${state}.ico`, encodeIco([16, 20, 24, 32].map((size) => ({ size, rgba: render(size, sdf, COLOURS[state]) }))));
}
// The application icon; electron-builder derives .icns and .ico from it.
write('icon.png', encodePng(1024, renderAppIcon(1024)));
console.log(`make-icons: wrote ${STATES.length * 5 + 1} files to ${path.relative(root, outDir) || '.'}`);
