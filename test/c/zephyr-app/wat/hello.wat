(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "uname" (func $uname (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello from ocre on ")
  (func (export "_start")
    (local $n i32)
    ;; uname -> 480 bytes at 1024; print the sysname field
    (drop (call $uname (i32.const 1024)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 19))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; strlen of sysname
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (i32.const 1024) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (local.get $n))
    (i32.store8 (i32.const 1600) (i32.const 10))
    (i32.store (i32.const 8) (i32.const 1600))
    (i32.store (i32.const 12) (i32.const 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 100)))))
