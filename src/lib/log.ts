// Structured JSON lines; `child` binds fields such as the request id.
export type LogLevel = "debug" | "info" | "warn" | "error";
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void; bindings?: Record<string, unknown> } = {},
): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => console.log(line));
  const bindings = opts.bindings ?? {};
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...bindings, ...fields }));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (b) => createLogger({ ...opts, bindings: { ...bindings, ...b } }),
  };
}

export const silentLogger: Logger = createLogger({ write: () => {} });

const MAX_ERROR_CHARS = 2_000;
const clip = (s: string, max = MAX_ERROR_CHARS) =>
  s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;

/** An error as log fields. Clipped: a failed query's message carries its parameters (a
 * hub's 10,000 device ids made one log line 400 KB); the cause (the database's own
 * message, which says what went wrong) is kept. */
export const errorFields = (e: unknown) => {
  if (!(e instanceof Error)) return { error: clip(String(e)) };
  const cause = e.cause instanceof Error ? { cause: clip(e.cause.message) } : {};
  const stack = e.stack
    ?.split("\n")
    .slice(0, 5)
    .map((l) => clip(l, 300))
    .join(" | ");
  return { error: clip(e.message), ...cause, stack };
};
