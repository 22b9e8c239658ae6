// ESLint flat config: typescript-eslint + @jupyter/eslint-plugin, formatting
// left to prettier.
import js from '@eslint/js';
import jupyter from '@jupyter/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.venv/**',
      'venv/**',
      'bench/**',
      'tests/**',
      '**/lib/**',
      'coverage/**',
      'jupyterlab_mlplatform/**',
      'ui-tests/test-results/**',
      'ui-tests/playwright-report/**',
      '.yarn/**',
      '**/*.d.ts'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...jupyter.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './ui-tests/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname
      },
      globals: { ...globals.browser }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      '@typescript-eslint/quotes': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // The wire contract and the tokens are typed precisely.
    files: ['src/api/**/*.ts', 'src/tokens.ts'],
    ignores: ['**/__tests__/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' }
  },
  {
    // The frontend's dependency directions (docs/architecture.md): plugins wire everything
    // and nothing imports them; src/api is the wire contract and imports no UI.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/index.ts', 'src/plugins/**', '**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/plugins', '**/plugins/**'],
              message: 'Only src/index.ts imports the plugins.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/api/**/*.ts'],
    ignores: ['**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '../**'],
              message:
                'src/api is the wire contract: it imports only packages and itself, no UI.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['**/__tests__/**', 'ui-tests/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off'
    }
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { ...globals.node }
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off'
    }
  },
  prettier
);
