/** A host function as the instance calls it: i32/f64 numbers, i64 as bigint. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HostFn = (...args: any[]) => number | void;

/** The functions of one import group, by import name, bound to a container. */
export type HostGroup = Record<string, HostFn>;
