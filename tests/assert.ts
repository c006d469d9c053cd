/**
 * Assertions for the project's tests, on top of `node:assert/strict` (JSR's `@std/assert` cannot
 * be fetched from the build machines). Each helper throws an `AssertionError` with the values.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Asserts that a value is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Asserts deep, strict equality. */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts deep, strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Asserts that a string matches a regular expression. */
export function assertMatch(actual: string, expected: RegExp, message?: string): void {
  nodeAssert.match(actual, expected, message);
}

/** Asserts that a value is an instance of a class. */
export function assertInstanceOf<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
  message?: string,
): asserts value is T {
  nodeAssert.ok(
    value instanceof type,
    message ?? `Expected an instance of ${type.name}, got ${String(value)}`,
  );
}

/**
 * Asserts that `fn` throws an instance of `type`, optionally with exactly `text` as its
 * message, and returns the error.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  text?: string,
): E {
  try {
    fn();
  } catch (error) {
    checkError(error, type, text);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: `Expected ${type.name} to be thrown` });
}

/** Like {@link assertThrows} for a function that returns a promise. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  text?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    checkError(error, type, text);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: `Expected ${type.name} to be rejected` });
}

function checkError(
  error: unknown,
  type: abstract new (...args: never[]) => Error,
  text: string | undefined,
): void {
  if (!(error instanceof type)) {
    throw new nodeAssert.AssertionError({
      message: `Expected ${type.name}, got ${String(error)}`,
      actual: error,
      expected: type,
    });
  }
  if (text !== undefined) {
    nodeAssert.equal(error.message, text);
  }
}
