// EngineError and the one place where errors thrown by a binding (or by the
// runtime around it) become EngineErrors with a typed `code`.

/** Codes of the Rust core (`sentio_core::ErrorCode::as_str`). */
export const CORE_ERROR_CODES = [
  'INVALID_CONFIG',
  'EMPTY_TRAINING_SET',
  'SINGLE_CLASS',
  'INVALID_LABELS',
  'EMPTY_VOCABULARY',
  'TRAINER_STATE',
  'INVALID_UTF8',
  'MODEL_TRUNCATED',
  'MODEL_BAD_MAGIC',
  'MODEL_VERSION',
  'MODEL_CHECKSUM',
  'MODEL_CORRUPT',
  'INVALID_METRICS_INPUT',
  'INTERNAL',
] as const;

/** Codes the bindings add. */
export const BINDING_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'TRAINER_BUSY',
  'TRAINER_FINISHED',
  'PANIC',
] as const;

/** Codes of this TypeScript layer: no backend could load; a file could not be read. */
export const ENGINE_ONLY_ERROR_CODES = ['BACKEND_UNAVAILABLE', 'IO_ERROR'] as const;

export const ENGINE_ERROR_CODES = [
  ...CORE_ERROR_CODES,
  ...BINDING_ERROR_CODES,
  ...ENGINE_ONLY_ERROR_CODES,
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

const KNOWN = new Set<string>(ENGINE_ERROR_CODES);

export function isEngineErrorCode(code: unknown): code is EngineErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/** Every error the engine throws or rejects with. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

export function isEngineError(err: unknown, code?: EngineErrorCode): err is EngineError {
  return err instanceof EngineError && (code === undefined || err.code === code);
}

// napi-rs's own conversion statuses (should the addon ever let one through).
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
]);

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Any thrown value as an EngineError (the original is kept as `cause`). */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = messageOf(err);
  if (isEngineErrorCode(code)) return new EngineError(code, message, { cause: err });
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) {
    // panic = "abort" in the wasm build: a Rust panic is a trap.
    return new EngineError(
      'PANIC',
      `the WASM engine trapped (a Rust panic: a bug): ${message}; this engine instance may be unusable now`,
      { cause: err },
    );
  }
  if (typeof code === 'string' && NAPI_ARGUMENT_STATUSES.has(code)) {
    return new EngineError('INVALID_ARGUMENT', message, { cause: err });
  }
  if (err instanceof TypeError) return new EngineError('INVALID_ARGUMENT', message, { cause: err });
  if (err instanceof RangeError && /memory|allocation/i.test(message)) {
    return new EngineError('INTERNAL', `out of memory: ${message}`, { cause: err });
  }
  return new EngineError('INTERNAL', message, { cause: err });
}

/** Run a binding call; whatever it throws comes out as an EngineError. */
export function translate<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw toEngineError(err);
  }
}

/** Await a binding's promise (or a function returning one); rejections become EngineErrors. */
export async function translateAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toEngineError(err);
  }
}

/** A synchronous call as a promise: settled now, rejecting instead of throwing. */
export function settled<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(toEngineError(err));
  }
}
