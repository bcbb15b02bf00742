/** `then(value)` now when `value` is no promise (the answer stays synchronous), else once it resolves; `fail` if it rejects. */
export function settle<T>(value: T | Promise<T>, then: (v: T) => void, fail: (err: unknown) => void): void | Promise<void> {
  if (value instanceof Promise) return value.then(then, fail);
  then(value);
}
