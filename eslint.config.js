import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** A relative import that climbs into one of these top-level folders of src/ (`../state/x`, `../../ui/y`). */
const into = (...folders) => ({ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)` });
const layer = (name, below) =>
  `${name} may import only ${below}: keep the import direction ui → state → {storage, worker} → core.`;
const UI_LIBRARIES = { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*', 'recharts'] };

/** What every file of src/core keeps out: the layers above it, the UI's libraries, the browser's storage. */
const CORE_PATTERNS = [
  { ...into('ui', 'state', 'storage', 'worker'), message: layer('core', 'core') },
  { ...UI_LIBRARIES, message: 'core runs in Node and in workers: no React, zustand or charts.' },
  { group: ['idb'], message: 'core keeps nothing in the browser: IndexedDB belongs to storage/.' },
];

/**
 * The folders of src/core, lowest floor first. A production file may import only folders on the floors below its
 * own (a folder never imports one beside it), so text stays below train and eval, model below hf, and so on; tests
 * may reach across (an hf test loading a folder the way a run does). docs/ARCHITECTURE.md draws these floors.
 */
const CORE_FLOORS = [
  ['util', 'kernels', 'tokenizer', 'data', 'golden'],
  ['ops', 'text', 'phases'],
  ['model'],
  ['hf', 'eval'],
  ['train'],
  ['difficulty', 'demo', 'runs'],
  ['bench', 'compare', 'export'],
];
const layerRules = [
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: CORE_PATTERNS }] },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...into('ui', 'state', 'worker'), message: layer('storage', 'core') },
            { ...UI_LIBRARIES, message: 'storage holds no UI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...into('ui', 'state', 'storage'), message: layer('worker', 'core') },
            { ...UI_LIBRARIES, message: 'workers hold no UI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...into('ui'), message: layer('state', 'storage, worker and core') },
            // A worker's task modules carry tfjs and the model code; the page talks to a worker through its client.
            {
              regex: '^(\\.\\./)+worker/(?!\\w+(Client|Protocol)$)',
              message: 'state talks to a worker through its *Client (and *Protocol types) only.',
            },
            // tfjs runs in the workers only; the page chunk is checked for it after a build (scripts/check-page-chunk.mjs).
            { group: ['@tensorflow/*'], message: 'tfjs stays out of the page: ask a worker instead.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              ...into('storage', 'worker'),
              message: layer('ui', 'state and core: read storage and workers through a store'),
            },
            { group: ['@tensorflow/*'], message: 'tfjs stays out of the page: ask a worker instead.' },
          ],
        },
      ],
    },
  },
];

/** The command line's rule (it may use test support: its timing scripts make data with the tests' fixtures). */
const cliRules = [
  {
    // The command line runs src/core in Node. The one page module it names is state/browserBench: the messages of the
    // bench hooks it drives in Chromium (cli/bench/browser.ts), as types.
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(ui|storage|worker)(/|$)',
              message:
                "cli runs src/core in Node: it may import only core (and the bench hooks' types in state/browserBench).",
            },
            {
              regex: '^(\\.\\./)+src/state/(?!browserBench$)',
              message:
                "cli runs src/core in Node: it may import only core (and the bench hooks' types in state/browserBench).",
            },
            { ...UI_LIBRARIES, message: 'cli runs in Node: no React, zustand or charts.' },
          ],
        },
      ],
    },
  },
];

/**
 * Test support lives in `testing/` folders beside what it supports, and only tests (and other test support) import
 * it. The layer blocks apply to every file; these copies, later in the list, replace their options for production
 * files with the layer patterns plus this one (one rule's options are not merged across blocks).
 */
const TEST_FILES = ['**/*.test.ts', '**/testing/**'];
const TESTING_ONLY = { regex: '(^|/)testing(/|$)', message: 'testing/ holds test support: only tests import it.' };
const productionLayerRules = layerRules.map(({ files, rules }) => {
  const [level, options] = rules['no-restricted-imports'];
  return {
    files,
    ignores: TEST_FILES,
    rules: { 'no-restricted-imports': [level, { patterns: [...options.patterns, TESTING_ONLY] }] },
  };
});

const coreFloorRules = CORE_FLOORS.flatMap((floor, level) =>
  floor.map((folder) => {
    const above = CORE_FLOORS.slice(level)
      .flat()
      .filter((f) => f !== folder);
    const below = CORE_FLOORS.slice(0, level).flat();
    return {
      files: [`src/core/${folder}/**/*.ts`],
      ignores: TEST_FILES,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...CORE_PATTERNS,
              TESTING_ONLY,
              {
                regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
                message: below.length
                  ? `core/${folder} may import only ${below.join(', ')}: the core's floors (CORE_FLOORS) point down.`
                  : `core/${folder} is on the core's ground floor: it imports nothing else in core.`,
              },
            ],
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'public', 'test-results', 'playwright-report', 'bench-results', '**/*.tmp.ts'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser, ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Type-aware rules beyond recommendedTypeChecked, and its rules turned off, each with why; [n] is how many
      // reports a rule gave when it was measured. A union switch without a default names every case (the four
      // switches with a default are deliberate catch-alls).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // In a try, a returned promise is awaited, so its rejection reaches the catch.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // Shapes print as "2,3" inside brackets and impossible (never) values name what came in: both mean to. Nullish
      // stays allowed: [51] were textContent() in bench/e2e logs and messages whose branch already rules it out.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowBoolean: true,
          allowNullish: true,
          allowAny: true,
          allowRegExp: true,
          allowArray: true,
          allowNever: true,
        },
      ],
      // An abort rejects with signal.reason, whatever the caller put there (as fetch does).
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // Off, measured: [50] every no-unsafe-* report comes from TS narrowing quirks (Array.isArray, instanceof Map
      // give any) and vitest's asymmetric matchers (expect.any is any), not from an untyped value reaching code.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off [60]: every report is a zustand action read by a selector; actions are closures, none uses `this`.
      '@typescript-eslint/unbound-method': 'off',
      // Off [17]: `async` without await is how a mock or a scorer meets a Promise-returning interface, and it turns
      // a synchronous throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Off [1170, ~106 with noUncheckedIndexedAccess]: tfjs infers a tensor's rank from the assertion around the
      // call (`tf.reshape(x, s) as tf.Tensor2D`), which the rule reads as unnecessary (typescript-eslint#12376).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Outside every tsconfig (scripts/ are plain Node): no type information to check them with.
    files: ['scripts/**'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/ui/**/*.tsx', 'src/state/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  // Layers point down: ui → state → {storage, worker} → core. Each folder may import only the layers below it, so
  // the direction cannot rot; `src/layers.test.ts` lints deliberately wrong imports and expects these errors.
  ...layerRules,
  ...productionLayerRules,
  // After the core block above, so each folder's floor rule replaces its options (it carries them too).
  ...coreFloorRules,
  ...cliRules,
  {
    // The core runs in Node, in a worker and in the page: it must not reach for the DOM either.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'indexedDB'] },
  },
);
