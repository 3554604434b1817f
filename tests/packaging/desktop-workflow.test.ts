// .github/workflows/desktop.yml is how a release is proven on real machines
// (nothing here can run Electron): it must build and test on the three systems
// Encore ships for, run the one `_electron` suite, and keep the installers.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOW_FILE = path.join(ROOT, '.github', 'workflows', 'desktop.yml');
const ELECTRON_SUITE = 'tests/electron/app.test.ts';
const IMPORTS_ELECTRON_DRIVER = /import\s*\{[^}]*\b_electron\b[^}]*\}\s*from\s*'playwright-core'/;
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder; it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown };

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  strategy?: { matrix?: { os?: string[] } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: unknown;
  jobs: Record<string, Job>;
}

const workflow = yaml.load(fs.readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
const jobs = Object.values(workflow.jobs);
const runs = (job: Job) => job.steps.filter((s) => typeof s.run === 'string');
/** The index of the first step whose command matches, or -1. */
const stepIndex = (job: Job, command: RegExp) => job.steps.findIndex((s) => typeof s.run === 'string' && command.test(s.run));

describe('.github/workflows/desktop.yml', () => {
  it('runs on Linux, macOS and Windows', () => {
    const systems = jobs.flatMap((job) => (job['runs-on'].includes('matrix.os') ? (job.strategy?.matrix?.os ?? []) : [job['runs-on']]));
    for (const system of ['ubuntu', 'macos', 'windows']) expect(systems.some((s) => s.startsWith(system)), system).toBe(true);
  });

  describe.each(jobs.map((job, i) => [Object.keys(workflow.jobs)[i]!, job] as const))('job %s', (_name, job) => {
    it('installs with npm ci and then downloads Electron, which allowScripts keeps off by default', () => {
      const install = stepIndex(job, /^npm ci\b/);
      const download = stepIndex(job, /node node_modules\/electron\/install\.js/);
      expect(install).toBeGreaterThanOrEqual(0);
      expect(download).toBeGreaterThan(install);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
      // If allowScripts ever lets Electron download itself, the explicit step can go.
      expect(pkg.allowScripts?.electron).toBe(false);
    });

    it('builds better-sqlite3 for Electron, then runs the _electron suite (under xvfb on Linux), then makes the installers', () => {
      const native = stepIndex(job, /node scripts\/electron-native\.mjs/);
      const build = stepIndex(job, /node scripts\/build\.mjs|npm run build/);
      const suites = job.steps.map((s, i) => [s, i] as const).filter(([s]) => s.run?.includes(ELECTRON_SUITE));
      const dist = stepIndex(job, /npm run dist/);
      expect(native).toBeGreaterThanOrEqual(0);
      expect(build).toBeGreaterThanOrEqual(0);
      expect(suites.length).toBeGreaterThan(0);
      for (const [, i] of suites) expect(i).toBeGreaterThan(Math.max(native, build));
      // The Linux runner has no display: the Linux step runs the suite under xvfb-run.
      const linux = suites.filter(([s]) => s.if === undefined || /Linux/.test(s.if) && !/!=\s*'Linux'/.test(s.if));
      expect(linux.length).toBeGreaterThan(0);
      for (const [s] of linux) expect(s.run).toMatch(/^xvfb-run /);
      // Every system runs the suite: the conditions cover Linux and the rest.
      const conditions = suites.map(([s]) => s.if ?? 'always');
      expect(conditions.some((c) => c === 'always' || /!=\s*'Linux'/.test(c))).toBe(true);
      expect(dist).toBeGreaterThan(Math.max(...suites.map(([, i]) => i)));
    });

    it('fails, not skips, when Electron cannot run', () => {
      expect({ ...job.env, ...runs(job).find((s) => s.run?.includes(ELECTRON_SUITE))?.env }.ENCORE_REQUIRE_ELECTRON).toBe('1');
      expect(fs.readFileSync(path.join(ROOT, ELECTRON_SUITE), 'utf8')).toContain('ENCORE_REQUIRE_ELECTRON');
    });

    it('keeps discovery on loopback', () => {
      expect(job.env?.ENCORE_DISCOVERY_LOOPBACK_ONLY).toBe('1');
    });

    it('uploads the installers as artifacts', () => {
      const dist = stepIndex(job, /npm run dist/);
      const upload = job.steps.findIndex((s, i) => i > dist && s.uses?.startsWith('actions/upload-artifact@') && /release\//.test(String(s.with?.path)));
      expect(upload).toBeGreaterThan(dist);
      const paths = String(job.steps[upload]!.with!.path);
      for (const installer of ['.dmg', '.exe', '.AppImage', '.deb']) expect(paths).toContain(installer);
    });
  });

  it('names the one _electron suite, and it exists', () => {
    expect(fs.existsSync(path.join(ROOT, ELECTRON_SUITE))).toBe(true);
    const suites = fs
      .readdirSync(path.join(ROOT, 'tests'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts') && IMPORTS_ELECTRON_DRIVER.test(fs.readFileSync(path.join(ROOT, 'tests', f), 'utf8')));
    expect(suites.map((f) => `tests/${f.split(path.sep).join('/')}`)).toEqual([ELECTRON_SUITE]);
  });
});
