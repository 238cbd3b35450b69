// Lint is part of the build: strict and stylistic type-checked rules, zero warnings.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.stryker-tmp/', 'reports/', '**/*.gen.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      noInlineConfig: true,
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The browser console's modules (typed by JSDoc, checked by `tsc -p services/identity-spa/console`).
    files: ['services/identity-spa/console/*.js'],
    languageOptions: {
      globals: Object.fromEntries([
        'document', 'window', 'location', 'fetch', 'URL', 'URLSearchParams', 'Event', 'Node',
        'HTMLElement', 'HTMLInputElement', 'HTMLSelectElement', 'HTMLTextAreaElement', 'HTMLOutputElement',
      ].map((name) => [name, 'readonly'])),
    },
  },
);
