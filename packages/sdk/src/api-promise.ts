// The promise every verb returns: awaits to the parsed data; `.withResponse()` adds the raw HTTP response.
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The reply body exactly as received, decoded as UTF-8. */
  body: string;
}

/** The raw response of a transport reply, its body decoded as UTF-8. */
export function toRawResponse(reply: { status: number; headers: Record<string, string>; body: Buffer }): RawResponse {
  return { status: reply.status, headers: reply.headers, body: reply.body.toString('utf8') };
}

export interface WithResponse<T> {
  data: T;
  response: RawResponse;
}

/** A lazy view over one request's outcome; the request itself starts when the verb is called. */
export class APIPromise<T> implements PromiseLike<T> {
  readonly #outcome: Promise<WithResponse<T>>;

  constructor(outcome: Promise<WithResponse<T>>) {
    this.#outcome = outcome;
  }

  /** The parsed data together with the HTTP status, headers and raw body. */
  withResponse(): Promise<WithResponse<T>> {
    return this.#outcome;
  }

  // biome-ignore lint/suspicious/noThenProperty: this object is meant to be awaited like a promise.
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    // One promise step, not two: unwrapping `data` inside the callback spares every await a microtask.
    return this.#outcome.then(
      (outcome) => (onFulfilled ? onFulfilled(outcome.data) : (outcome.data as unknown as A)),
      onRejected,
    );
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'APIPromise';
  }
}
