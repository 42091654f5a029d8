// Writing EBD XML: a tree of plain nodes serialised with escaping. The documents are
// small and flat; a DOM library would add nothing but weight.

/** `[name, text]` or `[name, children]`; undefined/null entries are left out. */
export type XmlNode = readonly [string, string | number | readonly (XmlNode | null | undefined | false)[]];

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
// XML 1.0 forbids most C0 controls even as references: drop them rather than emit a
// document the platform cannot parse.
const escapeText = (s: string) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/[&<>"']/g, (c) => ESC[c]!);

function write(n: XmlNode, out: string[]): void {
  const [name, body] = n;
  if (typeof body === "string" || typeof body === "number") {
    out.push(`<${name}>${escapeText(String(body))}</${name}>`);
    return;
  }
  out.push(`<${name}>`);
  for (const c of body) if (c) write(c, out);
  out.push(`</${name}>`);
}

export function xmlDocument(root: XmlNode): string {
  const out = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  write(root, out);
  return out.join("");
}
