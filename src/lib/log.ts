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

export const errorFields = (e: unknown) =>
  e instanceof Error ? { error: e.message, stack: e.stack?.split("\n").slice(0, 5).join(" | ") } : { error: String(e) };
