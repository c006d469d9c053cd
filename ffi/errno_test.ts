import assert from "node:assert/strict";
import { checkSyscall, errnoName, SyscallError } from "./errno.ts";
import { libc } from "./libc.ts";

Deno.test("errnoName maps known and unknown", () => {
  assert.equal(errnoName(105), "ENOBUFS");
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(4242), "E4242");
});

Deno.test("checkSyscall throws on close(-1)", () => {
  assert.throws(
    () => checkSyscall(libc().close(-1), "close", "close descriptor -1"),
    (error: unknown) => {
      assert.ok(error instanceof SyscallError);
      assert.equal(error.message, "Failed to close descriptor -1: EBADF (errno 9)");
      assert.equal(error.syscall, "close");
      assert.equal(error.errno, 9);
      assert.equal(error.errnoName, "EBADF");
      return true;
    },
  );
});

Deno.test("checkSyscall passes results through", () => {
  assert.equal(checkSyscall(7n, "read", "read"), 7);
  assert.equal(checkSyscall(0, "close", "close"), 0);
});
