import path from 'node:path';
import tseslint from 'typescript-eslint';

// Where code may run, one block per layer. Each source file matches exactly one
// layer block, and each block states the whole rule for its layer: in a flat
// config a later block that sets the same rule replaces the earlier options
// rather than adding to them, which once let the renderer import better-sqlite3.
//
// Two rules per layer: `@typescript-eslint/no-restricted-imports` for packages
// (type-only imports are fine: they vanish from the build), and
// `encore/layer-imports` for the project's own folders, resolved to the layer
// they point into. tests/lint-boundaries.test.ts shows every layer's rule firing.

const ROOT = path.dirname(new URL(import.meta.url).pathname);

/** Folder → layer, most specific first. `main` is src/main's own files: app.ts (the composition root) and its parts in app/, config.ts, log-adapter.ts. */
const LAYER_DIRS = [
  ['src/shared', 'shared'],
  ['src/main/core', 'core'],
  ['src/main/db', 'db'],
  ['src/main/services', 'services'],
  ['src/main/electron', 'electron'],
  ['src/main/headless', 'headless'],
  ['src/main', 'main'],
  ['src/preload', 'preload'],
  ['src/renderer', 'renderer'],
  ['src/dev/fakes', 'fakes'],
  ['tests', 'tests'],
];

function layerOf(file) {
  const relative = path.relative(ROOT, file).split(path.sep).join('/');
  for (const [dir, layer] of LAYER_DIRS) if (relative === dir || relative.startsWith(`${dir}/`)) return layer;
  return null;
}

/** What each layer may import of the project, and why not the rest. */
const LAYERS = {
  shared: { may: ['shared'], why: 'src/shared is the contract both sides read: it imports nothing of the app' },
  core: { may: ['shared', 'core'], why: 'the core is pure logic: it is handed ports, it never reaches for the database, a service or a host' },
  db: { may: ['shared', 'core', 'db'], why: 'the database layer knows no service and no host' },
  services: { may: ['shared', 'core', 'db', 'services'], why: 'a service is handed its config and stores; it knows no host and no composition root' },
  main: { may: ['shared', 'core', 'db', 'services', 'main'], why: 'the composition root is shared by both hosts: it imports neither' },
  electron: { may: ['shared', 'core', 'main', 'electron'], why: 'the desktop host reaches the core through createEncore (src/main/app.ts), not around it' },
  headless: { may: ['shared', 'core', 'main', 'headless'], why: 'the headless host reaches the core through createEncore (src/main/app.ts), not around it' },
  preload: { may: ['preload'], types: ['shared'], why: 'the preload is sandboxed and bundled alone: types from src/shared only' },
  renderer: { may: ['shared', 'renderer'], why: 'the window runs in a browser too: it talks to the app through the API only' },
  fakes: { may: ['shared', 'core', 'services', 'fakes'], why: 'the fakes stand in for a Roon Core and Last.fm: they speak the protocols, they know no database, host or composition root' },
};

/** The only production code that may start the fakes (a fake Core and a fake Last.fm): the demo. */
const FAKES_USERS = ['src/main/headless/demo.ts'];

const encorePlugin = {
  rules: {
    'layer-imports': {
      meta: {
        type: 'problem',
        schema: [{ type: 'object', properties: { allowTests: { type: 'boolean' }, allowFakes: { type: 'boolean' } }, additionalProperties: false }],
        messages: { crossing: '{{from}} may not import {{to}} ({{source}}): {{why}}.' },
      },
      create(context) {
        const from = layerOf(context.filename);
        const rules = from && LAYERS[from];
        if (!rules) return {};
        const allowTests = context.options[0]?.allowTests === true;
        // Tests may use the fakes too; of production code only the demo may (FAKES_USERS).
        const allowFakes = allowTests || context.options[0]?.allowFakes === true;
        const check = (node, source, typeOnly) => {
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const to = layerOf(path.resolve(path.dirname(context.filename), source));
          // A test is never bundled: it may also take values from where the layer takes only types.
          if (!to || rules.may.includes(to) || ((typeOnly || allowTests) && rules.types?.includes(to)) || (to === 'tests' && allowTests) || (to === 'fakes' && allowFakes)) return;
          const why =
            to === 'tests' ? 'production code may not depend on tests (fakes that production uses belong in src/dev/fakes)'
            : to === 'fakes' ? 'production code may not start the fakes: only the demo (src/main/headless/demo.ts) does'
            : rules.why;
          context.report({ node, messageId: 'crossing', data: { from: `src layer "${from}"`, to: `"${to}"`, source, why } });
        };
        return {
          ImportDeclaration: (node) => check(node.source, node.source.value, node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'))),
          ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value, node.exportKind === 'type'),
          ExportAllDeclaration: (node) => check(node.source, node.source.value, node.exportKind === 'type'),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value, false),
        };
      },
    },
  },
};

const noValue = (name, message) => ({ name, message, allowTypeImports: true });
const ELECTRON = noValue('electron', 'Only src/main/electron (and the preload) import electron: take the platform piece as a port instead.');
const ELECTRON_LOG = { group: ['electron-log', 'electron-log/*'], message: 'Logging reaches this layer as the Logger port.', allowTypeImports: true };
const NATIVE = noValue('better-sqlite3', 'The native module stays in src/main/db (type-only imports are fine).');
const NODE = { group: ['node:*'], message: 'This layer also runs in a browser or a sandbox: no Node modules.', allowTypeImports: true };
const SERVER_SIDE = ['kysely', 'ws', 'cron', 'luxon', '@homebridge/dbus-native'].map((name) => noValue(name, 'A main-process library: not in this layer.'));

/** The packages each layer may not import. */
const PACKAGES = {
  shared: { paths: [ELECTRON, NATIVE, ...SERVER_SIDE], patterns: [ELECTRON_LOG, NODE] },
  core: { paths: [ELECTRON, NATIVE, noValue('kysely', 'The core knows no database.'), noValue('ws', 'The core opens no sockets: services do.')], patterns: [ELECTRON_LOG] },
  db: { paths: [ELECTRON], patterns: [ELECTRON_LOG] },
  services: { paths: [ELECTRON], patterns: [ELECTRON_LOG] },
  main: { paths: [ELECTRON], patterns: [] },
  electron: { paths: [], patterns: [] },
  headless: { paths: [ELECTRON], patterns: [] },
  preload: { paths: [NATIVE, noValue('zod', 'The preload restates what it needs (see channels.ts): zod and the schemas are about 450 kB.'), ...SERVER_SIDE], patterns: [ELECTRON_LOG, NODE] },
  renderer: { paths: [ELECTRON, NATIVE, ...SERVER_SIDE], patterns: [ELECTRON_LOG, NODE] },
  fakes: { paths: [ELECTRON, NATIVE, noValue('kysely', 'The fakes know no database.')], patterns: [ELECTRON_LOG] },
};

const TESTS = ['**/*.test.ts', '**/*.test.tsx'];

function layerBlocks() {
  return LAYER_DIRS.filter(([, layer]) => layer !== 'tests').flatMap(([dir, layer]) => {
    // src/main's own files only: the layers below it have their own blocks.
    const files = layer === 'main' ? [`${dir}/*.{ts,tsx}`, `${dir}/app/**/*.{ts,tsx}`] : [`${dir}/**/*.{ts,tsx}`];
    const rules = (options) => ({
      '@typescript-eslint/no-restricted-imports': ['error', PACKAGES[layer]],
      'encore/layer-imports': ['error', options],
    });
    const fakesUsers = FAKES_USERS.filter((f) => layerOf(path.join(ROOT, f)) === layer);
    return [
      { files, ignores: [...TESTS, ...fakesUsers], rules: rules({ allowTests: false }) },
      // Tests next to the code keep the layer's rules, and may use tests/ (stand-ins) and the fakes.
      { files: TESTS.map((t) => `${dir}/${layer === 'main' ? t.replace('**/', '') : t}`), rules: rules({ allowTests: true }) },
      ...(fakesUsers.length > 0 ? [{ files: fakesUsers, rules: rules({ allowFakes: true }) }] : []),
    ];
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.electron-native/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { encore: encorePlugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  ...layerBlocks(),
  {
    // A schema built inside a function is built on every call: making a zod
    // schema costs more than most parses (one z.string() per Roon message was
    // 6 % of a playing host's CPU). Build schemas once, at module level.
    files: ['src/**/*.{ts,tsx}'],
    ignores: TESTS,
    rules: {
      'no-restricted-syntax': ['error', { selector: ":function CallExpression[callee.type='MemberExpression'][callee.object.name='z']", message: 'Build zod schemas once, at module level: this one is built on every call.' }],
    },
  },
);
