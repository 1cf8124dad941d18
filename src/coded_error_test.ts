import assert from "node:assert/strict";
import { CodedError } from "./coded_error.ts";

class ExampleError extends CodedError<"not-found"> {}

Deno.test("a coded error keeps its code and message, and is named after its subclass", () => {
  const error = new ExampleError("not-found", "no such file: check the name");
  assert.ok(error instanceof CodedError && error instanceof Error);
  assert.equal(error.name, "ExampleError");
  assert.equal(error.code, "not-found");
  assert.equal(error.message, "no such file: check the name");
});
