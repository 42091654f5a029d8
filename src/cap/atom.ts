// The public Atom feed of CAP documents, in the shape CAP aggregators poll: one entry per
// warning version, each linking to its CAP document with type application/cap+xml.
import { XMLBuilder } from "fast-xml-parser";
import { formatCapTime } from "./time.js";

export const ATOM_NS = "http://www.w3.org/2005/Atom";

export interface FeedEntry {
  /** Stable per version: a tag URI of our sender and the CAP identifier. */
  id: string;
  title: string;
  summary: string;
  updated: Date;
  capUrl: string;
  /** issued | updated | cancelled | expired, and the CAP msgType. */
  categories: string[];
  /** The issuing agency, when it differs from the feed's. */
  author?: string | undefined;
}

export interface Feed {
  id: string;
  title: string;
  selfUrl: string;
  author: string;
  updated: Date;
  entries: FeedEntry[];
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  processEntities: true,
  suppressEmptyNode: true,
});
const clean = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "");

export function buildAtom(f: Feed): string {
  const feed = {
    "@_xmlns": ATOM_NS,
    id: f.id,
    title: clean(f.title),
    updated: formatCapTime(f.updated),
    author: { name: clean(f.author) },
    link: { "@_rel": "self", "@_type": "application/atom+xml", "@_href": f.selfUrl },
    entry: f.entries.map((e) => ({
      id: e.id,
      title: clean(e.title),
      updated: formatCapTime(e.updated),
      ...(e.author ? { author: { name: clean(e.author) } } : {}),
      link: { "@_rel": "alternate", "@_type": "application/cap+xml", "@_href": e.capUrl },
      category: e.categories.map((term) => ({ "@_term": term })),
      summary: clean(e.summary),
    })),
  };
  return builder.build({ "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" }, feed }) as string;
}
