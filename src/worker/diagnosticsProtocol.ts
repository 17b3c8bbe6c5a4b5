import type { GptConfig, GptPresetName, GptShape } from '../core/model/config';
import type { AgreementSummary } from '../core/train/backendAgreement';
import type {
  BenchLoss,
  InterleavedBench,
  SerializableVariant,
  StepBenchResult,
  WasmMatMulKind,
} from '../core/bench/stepBench';
import type { BackendChoice } from '../core/runs/backendChoice';
import type { MeasuredSpeed } from '../core/runs/runDuration';
import type { BackendPreference } from '../core/runs/settings';

/** What the diagnostics worker is asked: a backend-agreement check, a training-step benchmark, or a speed probe. */
export type DiagnosticsRequest =
  | {
      type: 'agreement';
      id: number;
      /** The backend to check against cpu; 'auto' checks whichever chooseBackend picks. */
      backend: BackendPreference;
      /** Model size for the check (default 'micro': seconds even on a software WebGPU adapter). */
      preset?: GptPresetName;
      /** Default 64, a character tokenizer's size. */
      vocabSize?: number;
      /** Default 4. */
      batchSize?: number;
      seed?: number;
    }
  | {
      type: 'bench';
      id: number;
      backend: BackendPreference;
      model: GptShape & { vocabSize: number };
      batchSize: number;
      warmupSteps?: number;
      runs?: number;
      stepsPerRun?: number;
      loss?: BenchLoss;
      wasmMatMul?: WasmMatMulKind;
      /** On wasm: the thread count to start it with (this worker only; see wasmThreads.ts). Unset: the default. */
      wasmThreads?: number;
      /** Profile a warm-up step for the kernel count (default true). */
      profile?: boolean;
    }
  | {
      /** Variants of the same step timed in alternation (see benchInterleaved), e.g. wasm's stock vs our matmul. */
      type: 'benchInterleaved';
      id: number;
      backend: BackendPreference;
      model: GptShape & { vocabSize: number };
      batchSize: number;
      variants: SerializableVariant[];
      rounds: number;
    }
  | {
      /** A few seconds of timing at a run's shape, for the run-duration estimate (core/bench/speedProbe.ts). */
      type: 'speed';
      id: number;
      backend: BackendPreference;
      config: GptConfig;
      batchSize: number;
      seqLen: number;
    };

export type DiagnosticsResponse =
  | { type: 'progress'; id: number; message: string }
  | {
      type: 'agreement';
      id: number;
      choice: BackendChoice;
      config: GptConfig;
      batchSize: number;
      summary: AgreementSummary;
    }
  | { type: 'bench'; id: number; choice: BackendChoice; result: StepBenchResult }
  | { type: 'benchInterleaved'; id: number; choice: BackendChoice; result: InterleavedBench }
  | { type: 'speed'; id: number; choice: BackendChoice; speed: MeasuredSpeed }
  | { type: 'error'; id: number; message: string };
