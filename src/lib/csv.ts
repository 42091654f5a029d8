// RFC 4180 CSV with quoted fields; every row keeps the line number it started on so
// import errors can point at it.

export interface CsvRow {
  line: number;
  fields: string[];
}

/** The rows one at a time: a million-row file is never a million row objects at once. */
export function* csvRows(text: string): Generator<CsvRow> {
  let field = "";
  let fields: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // Excel writes a BOM
  const endRow = (): CsvRow | null => {
    fields.push(field);
    const row = fields.length === 1 && fields[0] === "" ? null : { line: rowLine, fields };
    fields = [];
    field = "";
    return row;
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
      const row = endRow();
      if (row) yield row;
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== "" || fields.length > 0) {
    const row = endRow();
    if (row) yield row;
  }
}

export function parseCsv(text: string): CsvRow[] {
  return [...csvRows(text)];
}

export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

/** The header and then the records keyed by it, one at a time. */
export function csvRecords(text: string): { header: string[]; records: Iterable<CsvRecord> } {
  const rows = csvRows(text);
  const first = rows.next();
  const header = (first.done ? [] : first.value.fields).map((h) => h.trim());
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
