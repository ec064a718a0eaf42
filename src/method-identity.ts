/**
 * Makes a decorator's replacement function stand in for the method it replaces: the same `name` and
 * `length`, the same own properties, and the same reflect-metadata. Frameworks that use legacy
 * decorators (NestJS: routes, guards, HTTP codes, `@SetMetadata`) store their metadata on the method
 * function itself, so decorators that ran before ours wrote it on the original; without the copy a guard
 * would silently stop guarding. reflect-metadata is used only when the application loaded it.
 */

/** The part of the reflect-metadata API the copy needs; present on `Reflect` once the polyfill is loaded. */
interface MetadataReflect {
  getOwnMetadataKeys(target: object): unknown[];
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
}

const skipped: ReadonlySet<PropertyKey> = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

/** Copies `name`, `length`, own properties and reflect-metadata of `original` onto `replacement`; returns `replacement`. */
export function keepIdentity<F extends object>(original: object, replacement: F): F {
  for (const key of ['name', 'length'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(replacement, key, { ...descriptor, configurable: true });
  }
  for (const key of Reflect.ownKeys(original)) {
    if (skipped.has(key) || Object.hasOwn(replacement, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(replacement, key, descriptor);
  }
  const reflect = Reflect as unknown as Partial<MetadataReflect>;
  if (
    typeof reflect.getOwnMetadataKeys === 'function' &&
    typeof reflect.getOwnMetadata === 'function' &&
    typeof reflect.defineMetadata === 'function'
  ) {
    for (const key of reflect.getOwnMetadataKeys(original)) {
      reflect.defineMetadata(key, reflect.getOwnMetadata(key, original), replacement);
    }
  }
  return replacement;
}
