// RFC 4180 CSV with quoted fields; every row keeps the line number it started on so
// import errors can point at it.

export interface CsvRow {
  line: number;
  fields: string[];
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let field = "";
  let fields: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // Excel writes a BOM
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "")) rows.push({ line: rowLine, fields });
    fields = [];
    field = "";
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
      endRow();
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== "" || fields.length > 0) endRow();
  return rows;
}

/** Parse with a header row into records keyed by column name. */
export function parseCsvRecords(text: string): {
  header: string[];
  records: { line: number; values: Record<string, string> }[];
} {
  const rows = parseCsv(text);
  const first = rows.shift();
  const header = (first?.fields ?? []).map((h) => h.trim());
  const records = rows.map((r) => ({
    line: r.line,
    values: Object.fromEntries(header.map((h, i) => [h, (r.fields[i] ?? "").trim()])),
  }));
  return { header, records };
}

export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}
