import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', 'grafana-plugin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // knex types query results loosely (any-ish generics); stores assert the row shape they select
      // at that boundary, which this rule would have us express as generic arguments instead.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through config.ts (loadConfig).' },
      ],
    },
  },
  {
    // The composition roots and tooling are where the environment is read.
    files: [
      'ingest/src/main.ts',
      'ingest/src/cli/**',
      'ingest/src/test/**',
      '**/*.test.ts',
      'vitest.config.ts',
      'test/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // vitest reads fixture dependencies from the destructuring pattern, so `{}` is how a fixture says "none".
    files: ['ingest/src/test/fixtures.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked }
);
