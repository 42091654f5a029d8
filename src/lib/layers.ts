/** Splits `xs` into layers in which no key repeats, keeping order: the first report of each
 * key in layer 0, the second in layer 1, … A statement per layer then never sees two reports
 * for one row (an UPDATE … FROM applies only one of them, arbitrarily), and a later state of
 * a row is applied after an earlier one. */
export function inLayers<T, K>(xs: readonly T[], key: (x: T) => K): T[][] {
  const layers: T[][] = [];
  const depth = new Map<K, number>();
  for (const x of xs) {
    const k = key(x);
    const d = depth.get(k) ?? 0;
    depth.set(k, d + 1);
    (layers[d] ??= []).push(x);
  }
  return layers;
}

/** `f` over each of `xs` in turn, each call after the last has finished. */
export async function inTurn<T, R>(xs: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of xs) out.push(await f(x));
  return out;
}
