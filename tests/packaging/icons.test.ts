// The committed icons are real, in the sizes and formats each OS wants, and
// exactly what scripts/make-icons.mjs draws today.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const ASSETS = path.join(ROOT, 'assets');
const STATES = ['ok', 'degraded', 'error', 'paused'];

function png(file: string): { width: number; height: number; rgba: Buffer } {
  const buf = fs.readFileSync(file);
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]); // 8-bit RGBA
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter "none", as written
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

function icoSizes(file: string): number[] {
  const buf = fs.readFileSync(file);
  expect(buf.readUInt16LE(2)).toBe(1);
  const count = buf.readUInt16LE(4);
  return Array.from({ length: count }, (_, n) => {
    const e = 6 + 16 * n;
    const size = buf[e]!;
    const bytes = buf.readUInt32LE(e + 8);
    const at = buf.readUInt32LE(e + 12);
    expect(at + bytes).toBeLessThanOrEqual(buf.length);
    expect(buf.readUInt32LE(at)).toBe(40); // BITMAPINFOHEADER
    expect(buf.readUInt16LE(at + 14)).toBe(32);
    return size;
  });
}

const opaque = (rgba: Buffer) => {
  let n = 0;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i]! > 0) n++;
  return n;
};

describe('tray icons', () => {
  it.each(STATES)('%s: macOS template images at 22 and 44 px, black with alpha only', (state) => {
    for (const [name, size] of [[`tray-${state}Template.png`, 22], [`tray-${state}Template@2x.png`, 44]] as const) {
      const image = png(path.join(ASSETS, 'tray', name));
      expect([image.width, image.height]).toEqual([size, size]);
      for (let i = 0; i < image.rgba.length; i += 4) expect(image.rgba[i]! + image.rgba[i + 1]! + image.rgba[i + 2]!).toBe(0);
      expect(opaque(image.rgba)).toBeGreaterThan(size * 2);
    }
  });

  it.each(STATES)('%s: Linux PNG at 24 and 48 px', (state) => {
    expect(png(path.join(ASSETS, 'tray', `tray-${state}.png`)).width).toBe(24);
    expect(png(path.join(ASSETS, 'tray', `tray-${state}@2x.png`)).width).toBe(48);
  });

  it.each(STATES)('%s: Windows .ico with 16, 20, 24 and 32 px', (state) => {
    expect(icoSizes(path.join(ASSETS, 'tray', `tray-${state}.ico`))).toEqual([16, 20, 24, 32]);
  });

  it('draws each state differently, so they tell apart even in monochrome', () => {
    const shapes = STATES.map((s) => png(path.join(ASSETS, 'tray', `tray-${s}Template@2x.png`)).rgba.toString('base64'));
    expect(new Set(shapes).size).toBe(STATES.length);
  });

  it('has a 1024 px application icon for electron-builder', () => {
    expect(png(path.join(ASSETS, 'icon.png')).width).toBe(1024);
  });

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-icons-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  // Pixels, not PNG bytes: another zlib may compress the same pixels differently.
  it('matches a fresh run of scripts/make-icons.mjs pixel for pixel', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'make-icons.mjs'), out], { stdio: 'pipe' });
    const files = fs.readdirSync(path.join(out, 'tray')).sort();
    expect(files).toEqual(fs.readdirSync(path.join(ASSETS, 'tray')).sort());
    const same = (a: string, b: string) =>
      a.endsWith('.png') ? png(a).rgba.equals(png(b).rgba) : fs.readFileSync(a).equals(fs.readFileSync(b));
    for (const f of files) expect(same(path.join(out, 'tray', f), path.join(ASSETS, 'tray', f)), f).toBe(true);
    expect(same(path.join(out, 'icon.png'), path.join(ASSETS, 'icon.png'))).toBe(true);
  });
});
