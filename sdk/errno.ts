/**
 * Error values the Ocre calls return, negated (a call returns 0 or -errno). Same numbers as
 * upstream Ocre and cli/abi/table.ts.
 */
export namespace Errno {
  export const EPERM: i32 = 1;
  export const ENOENT: i32 = 2;
  export const ENOMEM: i32 = 12;
  export const EBUSY: i32 = 16;
  export const EINVAL: i32 = 22;
  export const ENOSYS: i32 = 38;
  export const ENOMSG: i32 = 42;
}
