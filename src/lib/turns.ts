// Long runs of work on the HTTP thread yield between slices: promise callbacks run before
// any I/O, so work that resolves at once holds every request, webhook and device ack that
// arrives meanwhile until all of it is done.

/** Resolves on the event loop's next turn, after the I/O waiting now. */
export const nextTurn = (): Promise<void> => new Promise<void>((r) => setImmediate(r));
