/** `xs` in arrays of `n` (the last may be shorter), read as they are needed. */
export function* chunked<T>(xs: Iterable<T>, n: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const x of xs) {
    chunk.push(x);
    if (chunk.length === n) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
