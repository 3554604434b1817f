import tseslint from 'typescript-eslint';

// Where code may run: src/shared and the pure core import no Electron and no
// native module (type-only imports are fine). Only src/main/electron imports electron.
const restrictedNative = {
  paths: [
    { name: 'electron', message: 'The pure layers run in plain Node: take the platform piece as a port instead.', allowTypeImports: true },
    { name: 'better-sqlite3', message: 'Native modules stay out of the pure layers (type-only imports are fine).', allowTypeImports: true },
  ],
  patterns: [{ group: ['electron/*', 'electron-log', 'electron-log/*'], message: 'Electron stays in src/main/electron.', allowTypeImports: true }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.electron-native/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts', 'src/main/core/**/*.ts', 'src/renderer/**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', restrictedNative] },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    // The preload is the renderer's side of the bridge: contextBridge and ipcRenderer are its job.
    ignores: ['src/main/electron/**', 'src/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only src/main/electron imports electron.', allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts', 'src/main/core/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', restrictedNative] },
  },
);
