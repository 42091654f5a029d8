// RFC 4180 CSV with quoted fields; every row keeps the line number it started on so
// import errors can point at it.

export interface CsvRow {
  line: number;
  fields: string[];
}

/** The rows one at a time: a million-row file is never a million row objects at once.
 * A line with no quote and no carriage return (but its CRLF ending) is split as it is; a
 * line with either is read character by character from its start (quoted fields, embedded
 * newlines, a lone CR ending a row). A 1M-line import spent 2 s building fields a
 * character at a time. */
export function* csvRows(text: string): Generator<CsvRow> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // Excel writes a BOM
  let line = 1;
  // The next quote and CR at or after i, found once and looked for again only when passed:
  // indexOf from every line would rescan the rest of a file that has none.
  let quote = -2;
  let cr = -2;
  while (i < text.length) {
    if (quote !== -1 && quote < i) quote = text.indexOf('"', i);
    if (cr !== -1 && cr < i) cr = text.indexOf("\r", i);
    let end = text.indexOf("\n", i);
    if (end === -1) end = text.length;
    const stop = end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if ((quote === -1 || quote >= end) && (cr === -1 || cr >= stop)) {
      if (stop > i) yield { line, fields: text.slice(i, stop).split(",") };
      line++;
      i = end + 1;
      continue;
    }
    const r = charRow(text, i, line);
    if (r.row) yield r.row;
    i = r.next;
    line = r.line;
  }
}

/** One row read character by character from `i` (its first line is `line`): the row, or
 * null for an empty one, where the next row starts, and that row's line. */
function charRow(text: string, i: number, line: number): { row: CsvRow | null; next: number; line: number } {
  const rowLine = line;
  let field = "";
  const fields: string[] = [];
  let inQuotes = false;
  const end = (next: number) => {
    fields.push(field);
    const row = fields.length === 1 && fields[0] === "" ? null : { line: rowLine, fields };
    return { row, next, line: line + 1 };
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"') inQuotes = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      return end(i + 1);
    } else field += c;
  }
  if (field !== "" || fields.length > 0) return end(text.length);
  return { row: null, next: text.length, line };
}

export function parseCsv(text: string): CsvRow[] {
  return [...csvRows(text)];
}

export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

/** The header and then the records keyed by it, one at a time; `column` names each
 * header's column (by default, the header trimmed). */
export function csvRecords(
  text: string,
  column: (header: string) => string = (h) => h.trim(),
): { header: string[]; records: Iterable<CsvRecord> } {
  const rows = csvRows(text);
  const first = rows.next();
  const header = (first.done ? [] : first.value.fields).map(column);
  const records = (function* () {
    for (const r of rows)
      yield { line: r.line, values: Object.fromEntries(header.map((h, i) => [h, (r.fields[i] ?? "").trim()])) };
  })();
  return { header, records };
}

/** Parse with a header row into records keyed by column name. */
export function parseCsvRecords(text: string): { header: string[]; records: CsvRecord[] } {
  const { header, records } = csvRecords(text);
  return { header, records: [...records] };
}

export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}
