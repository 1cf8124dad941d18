/**
 * The one shape of an error that carries a machine-readable code for the
 * wire beside its message for people: a lookup that cannot be answered, a
 * refused transfer code, a nameplate request turned down. Each kind is a
 * subclass, so callers still tell them apart with `instanceof` and by name.
 *
 * @module
 */

/** An error with a `code` that goes on the wire and a `message` that says what to do. */
export class CodedError<Code extends string = string> extends Error {
  /** Machine-readable reason, sent to the other side as the error code. */
  readonly code: Code;
  /** Creates the error; its `name` is the subclass's. */
  constructor(code: Code, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
