import assert from "node:assert/strict";
import {
  ApiError,
  downloadNumber,
  errorResponse,
  errorStatus,
  jsonBody,
  stringField,
} from "./api_errors.ts";

Deno.test("errorStatus: own status, 404 for not-found codes, else 400", () => {
  assert.equal(errorStatus(new ApiError(413, "too big")), 413);
  assert.equal(errorStatus(Object.assign(new Error("x"), { code: "not-found" })), 404);
  assert.equal(errorStatus(new Error("x")), 400);
});

Deno.test("errorResponse answers {error}", async () => {
  const response = errorResponse(new ApiError(409, "busy: try again"));
  assert.equal(response.status, 409);
  assert.deepEqual(await response.json(), { error: "busy: try again" });
});

Deno.test("downloadNumber and body fields refuse what is not one", async () => {
  assert.equal(downloadNumber("3"), 3);
  assert.throws(() => downloadNumber("x"), (e: ApiError) => e.status === 404);
  assert.throws(() => downloadNumber("0"), ApiError);
  const ok = new Request("http://x/", { method: "POST", body: '{"id":"ab"}' });
  assert.equal(stringField(await jsonBody(ok), "id"), "ab");
  assert.throws(() => stringField({ id: 3 }, "id"), ApiError);
  const bad = new Request("http://x/", { method: "POST", body: "[1]" });
  await assert.rejects(() => jsonBody(bad), ApiError);
});
